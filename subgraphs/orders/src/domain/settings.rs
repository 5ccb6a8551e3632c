//! How the orders service behaves: reservation time, calls to the subgraphs
//! it asks at placement, the live feed and admission.

use std::time::Duration;

use crate::upstream::CallPolicy;

/// How the orders service behaves; every default is in [`Default`].
#[derive(Debug, Clone)]
pub struct OrdersSettings {
    /// How long stock is held for an order waiting for payment; a PENDING or
    /// RESERVED order is cancelled after it. Default 15 min.
    pub reservation_ttl: Duration,
    /// How often the timeout task looks for such orders. Default 5 s.
    pub expiry_sweep: Duration,
    /// Calls to the products subgraph at placement.
    pub products: CallPolicy,
    /// Calls to the shipping subgraph at placement.
    pub shipping: CallPolicy,
    /// Calls to the users subgraph at placement (saved addresses).
    pub users: CallPolicy,
    /// Status changes buffered per live subscriber; one that falls further
    /// behind is ended with `SUBSCRIBER_TOO_SLOW`. Default 256.
    pub live_buffer: usize,
    /// How long nobody must have watched before the live feed stops fetching
    /// from the broker (see [`crate::live::Tap`]). Default 30 s.
    pub live_idle_pause: Duration,
    /// Orders waiting for stock or payment beyond which placement is refused
    /// with `SERVICE_UNAVAILABLE` (see [`super::admission`]); 0 never refuses.
    /// Default 2,000: ten seconds of the benchmark's 200 orders/s, forty
    /// times what waits at a steady 100/s.
    pub max_waiting_orders: i64,
}

impl Default for OrdersSettings {
    fn default() -> Self {
        Self {
            reservation_ttl: Duration::from_secs(15 * 60),
            expiry_sweep: Duration::from_secs(5),
            products: CallPolicy::default(),
            shipping: CallPolicy::default(),
            users: CallPolicy::default(),
            live_buffer: 256,
            live_idle_pause: crate::live::IDLE_BEFORE_PAUSE,
            max_waiting_orders: 2_000,
        }
    }
}
