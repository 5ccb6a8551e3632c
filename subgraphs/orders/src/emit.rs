//! The events orders emits, written to the outbox in the change's own
//! transaction: `order.placed` and every status change (with
//! `order.confirmed` and `order.cancelled` for the moves the saga reacts to).

use chrono::Utc;
use mart_events::EventEnvelope;
use mart_events::catalog::{
    AddressPayload, Currency, MoneyPayload, OrderCancelled, OrderConfirmed, OrderLinePayload,
    OrderPlaced, OrderStatusChanged,
};
use mart_events::outbox::entry;

use crate::domain::status::{OrderStatus, Transition};
use crate::storage::rows::{LineRow, OrderRow};

/// `order.placed` for a new `order` of `lines` priced in `currency`;
/// `sealed_payment_token` is the customer's token sealed for payments
/// (`mart_service::payment_token`): no other reader of the event can use it.
pub fn placed(
    order: &OrderRow,
    lines: &[LineRow],
    currency: Currency,
    address: &AddressPayload,
    sealed_payment_token: &str,
) -> (&'static str, EventEnvelope) {
    let money = |amount_minor| MoneyPayload {
        amount_minor,
        currency,
    };
    let event = OrderPlaced {
        order_id: order.id,
        user_id: order.user_id,
        number: order.number.clone(),
        lines: lines
            .iter()
            .map(|l| OrderLinePayload {
                product_id: l.product_id,
                quantity: l.quantity,
                unit_price: money(l.unit_price_minor),
            })
            .collect(),
        subtotal: money(order.subtotal_minor),
        shipping_cost: money(order.shipping_minor),
        discount: (order.discount_minor > 0).then(|| money(order.discount_minor)),
        tax: (order.tax_minor > 0).then(|| money(order.tax_minor)),
        total: money(order.total_minor),
        total_weight_grams: order.total_weight_grams,
        shipping_address: address.clone(),
        payment_token: sealed_payment_token.to_string(),
        reservation_expires_at: order.reservation_expires_at,
    };
    entry(&event)
}

/// `order.status_changed` for a new order: it starts PENDING.
pub fn created(order: &OrderRow) -> (&'static str, EventEnvelope) {
    let event = OrderStatusChanged {
        order_id: order.id,
        user_id: order.user_id,
        from: None,
        to: OrderStatus::Pending.as_str().to_string(),
        reason: None,
        at: order.created_at,
    };
    entry(&event)
}

/// What one move of `order` announces: `order.status_changed`, and
/// `order.confirmed` (shipping's cue) or `order.cancelled` (the compensation's)
/// where the move is one; each with its topic, for [`mart_events::outbox::enqueue_all`].
pub fn moved(order: &OrderRow, transition: Transition) -> Vec<(&'static str, EventEnvelope)> {
    let changed = OrderStatusChanged {
        order_id: order.id,
        user_id: order.user_id,
        from: Some(transition.from.as_str().to_string()),
        to: transition.to.as_str().to_string(),
        reason: transition.reason.map(str::to_string),
        at: Utc::now(),
    };
    let mut events = vec![entry(&changed)];
    match transition.to {
        OrderStatus::Confirmed => events.push(entry(&OrderConfirmed {
            order_id: order.id,
            user_id: order.user_id,
            shipping_address: order.address(),
            total_weight_grams: order.total_weight_grams,
        })),
        OrderStatus::Cancelled => events.push(entry(&OrderCancelled {
            order_id: order.id,
            reason: transition.reason.unwrap_or("cancelled").to_string(),
            previous_status: transition.from.as_str().to_string(),
        })),
        _ => {}
    }
    events
}
