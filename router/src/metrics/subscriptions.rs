//! Subscription metrics: gauges of open sockets and active subscriptions per transport, and
//! counters of delivered events, dropped clients and lost subgraph streams.
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

use super::counter;

/// How a client receives a subscription's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    WebSocket,
    Sse,
    Multipart,
}

impl Transport {
    const ALL: [Transport; 3] = [Transport::WebSocket, Transport::Sse, Transport::Multipart];

    fn label(self) -> &'static str {
        match self {
            Transport::WebSocket => "websocket",
            Transport::Sse => "sse",
            Transport::Multipart => "multipart",
        }
    }
}

#[derive(Default)]
pub struct SubscriptionMetrics {
    websockets: AtomicI64,
    active: [AtomicI64; 3],
    pub events: AtomicU64,
    pub clients_dropped: AtomicU64,
    pub upstream_failures: AtomicU64,
}

/// Holds one unit of a gauge; gives it back when dropped, whatever path ends the work.
pub struct GaugeGuard<'a>(&'a AtomicI64);

impl Drop for GaugeGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}

impl SubscriptionMetrics {
    pub fn websocket_opened(&self) -> GaugeGuard<'_> {
        self.websockets.fetch_add(1, Relaxed);
        GaugeGuard(&self.websockets)
    }

    pub fn subscription_started(&self, transport: Transport) -> GaugeGuard<'_> {
        let gauge = &self.active[transport as usize];
        gauge.fetch_add(1, Relaxed);
        GaugeGuard(gauge)
    }

    pub fn render(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP mart_router_websocket_connections Open client WebSockets\n\
             # TYPE mart_router_websocket_connections gauge\n\
             mart_router_websocket_connections {}",
            self.websockets.load(Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP mart_router_subscriptions_active Subscriptions running, by client transport\n\
             # TYPE mart_router_subscriptions_active gauge"
        );
        for transport in Transport::ALL {
            let _ = writeln!(
                out,
                "mart_router_subscriptions_active{{transport=\"{}\"}} {}",
                transport.label(),
                self.active[transport as usize].load(Relaxed)
            );
        }
        counter(
            out,
            "mart_router_subscription_events_total",
            "Subscription events delivered to clients",
            self.events.load(Relaxed),
        );
        counter(
            out,
            "mart_router_subscription_clients_dropped_total",
            "Clients dropped for not reading their subscription events",
            self.clients_dropped.load(Relaxed),
        );
        counter(
            out,
            "mart_router_subscription_upstream_failures_total",
            "Subgraph subscription streams that could not open or broke off",
            self.upstream_failures.load(Relaxed),
        );
    }
}
