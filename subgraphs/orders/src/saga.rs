//! The orders service's reactions to the saga: each inventory, payment and
//! shipment event becomes an [`OrderEvent`] for the state machine, and each
//! `checkout.completed` a new order ([`intake::accept_checkout`]).

use diesel_async::AsyncPgConnection;
use mart_events::catalog::{
    CheckoutCompleted, DomainEvent, PaymentAuthorized, PaymentDeclined, ShipmentCreated,
    ShipmentDelivered, ShipmentShipped, StockRejected, StockReserved,
};
use mart_events::consumer::{BatchFuture, HandlerFuture, Reactions};
use mart_events::{EventEnvelope, HandlerError, Urgency};
use uuid::Uuid;

use crate::domain::OrderEvent;
use crate::domain::{intake, transition};

/// The saga events on an order's way to CONFIRMED (and carts checked out), which a
/// customer waits on: fetched at the interactive cadence.
pub const TOPICS: &[mart_events::Topic] = &[
    mart_events::Topic::Inventory,
    mart_events::Topic::Payments,
    mart_events::Topic::Checkout,
];

/// Shipments' progress, which nobody waits on: fetched by a second consumer at the
/// background cadence ([`mart_events::consumer::Unhurried`]). Every shipment event
/// follows the `order.confirmed` that the first consumer's events led to, so the two
/// consumers never race on one order's status.
pub const SHIPMENT_TOPICS: &[mart_events::Topic] = &[mart_events::Topic::Shipping];

type OrderOf = fn(&EventEnvelope) -> Result<Uuid, HandlerError>;

/// Each event type that moves an order: how its order is read, and what it means for the
/// state machine.
const FOLLOWED: [(&str, OrderOf, OrderEvent); 7] = [
    (
        StockReserved::TYPE,
        order_of::<StockReserved>,
        OrderEvent::StockReserved,
    ),
    (
        StockRejected::TYPE,
        order_of::<StockRejected>,
        OrderEvent::StockRejected,
    ),
    (
        PaymentAuthorized::TYPE,
        order_of::<PaymentAuthorized>,
        OrderEvent::PaymentAuthorized,
    ),
    (
        PaymentDeclined::TYPE,
        order_of::<PaymentDeclined>,
        OrderEvent::PaymentDeclined,
    ),
    (
        ShipmentCreated::TYPE,
        order_of::<ShipmentCreated>,
        OrderEvent::ShipmentCreated,
    ),
    (
        ShipmentShipped::TYPE,
        order_of::<ShipmentShipped>,
        OrderEvent::ShipmentShipped,
    ),
    (
        ShipmentDelivered::TYPE,
        order_of::<ShipmentDelivered>,
        OrderEvent::ShipmentDelivered,
    ),
];

const FOLLOWED_TYPES: [&str; FOLLOWED.len()] = {
    let mut types = [""; FOLLOWED.len()];
    let mut at = 0;
    while at < FOLLOWED.len() {
        types[at] = FOLLOWED[at].0;
        at += 1;
    }
    types
};

/// The order a saga event is about: its aggregate (catalog/orders.rs), read from the payload
/// decoded as its own type, so a malformed or unknown version fails like any other.
fn order_of<E: DomainEvent>(envelope: &EventEnvelope) -> Result<Uuid, HandlerError> {
    let payload: E = envelope.decode()?;
    payload
        .aggregate_id()
        .parse()
        .map_err(|_| HandlerError::Permanent(format!("{} names no order", envelope.event_type)))
}

/// The order and what happened to it, for the event types orders follows.
pub fn order_event(envelope: &EventEnvelope) -> Result<Option<(Uuid, OrderEvent)>, HandlerError> {
    let Some((_, order_of, event)) = FOLLOWED.iter().find(|(t, ..)| *t == envelope.event_type)
    else {
        return Ok(None);
    };
    Ok(Some((order_of(envelope)?, *event)))
}

/// The followed types and `checkout.completed`.
const HANDLED_TYPES: [&str; FOLLOWED.len() + 1] = {
    let mut types = [CheckoutCompleted::TYPE; FOLLOWED.len() + 1];
    let mut at = 0;
    while at < FOLLOWED.len() {
        types[at] = FOLLOWED_TYPES[at];
        at += 1;
    }
    types
};

pub struct SagaHandler {
    /// How long a new order from a checked-out cart may wait for stock and payment.
    pub reservation_ttl: chrono::Duration,
    /// Where confirmations and cancellations are counted.
    pub outcomes: crate::outcomes::SagaOutcomes,
}

impl Reactions for SagaHandler {
    const HANDLED: &'static [&'static str] = &HANDLED_TYPES;
    /// A customer waits for the order to be confirmed.
    const URGENCY: Urgency = Urgency::Interactive;

    /// One run for every event followed: the state machine takes them all at once.
    fn run_of(event_type: &str) -> Option<usize> {
        FOLLOWED_TYPES.contains(&event_type).then_some(0)
    }

    /// The round's events applied together ([`transition::apply_many`]): a
    /// few round trips for the round rather than two or more per event.
    fn react_to_run<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        events: &'a [&'a EventEnvelope],
    ) -> BatchFuture<'a> {
        Box::pin(async move {
            let mut moves = Vec::with_capacity(events.len());
            for (at, envelope) in events.iter().enumerate() {
                if let Some(move_) = order_event(envelope).map_err(|e| (at, e))? {
                    moves.push((at, move_));
                }
            }
            let asked: Vec<(Uuid, OrderEvent)> = moves.iter().map(|(_, m)| *m).collect();
            let applied = transition::apply_many(conn, &asked)
                .await
                .map_err(|e| (moves.first().map_or(0, |(at, _)| *at), e.into()))?;
            for ((at, (order_id, _)), applied) in moves.iter().zip(applied) {
                self.outcomes.record(&applied.outcome);
                if applied.order.is_none() {
                    let kind = &events[*at].event_type;
                    tracing::warn!(%order_id, kind, "event for an unknown order");
                }
            }
            Ok(())
        })
    }

    /// `checkout.completed`, the one type outside the run: a new order.
    fn react<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        envelope: &'a EventEnvelope,
    ) -> HandlerFuture<'a> {
        Box::pin(async move {
            if envelope.event_type != CheckoutCompleted::TYPE {
                return Ok(());
            }
            let event: CheckoutCompleted = envelope.decode()?;
            let now = chrono::Utc::now();
            if !intake::accept_checkout(conn, &event, self.reservation_ttl, now).await? {
                tracing::debug!(order_id = %event.order_id, "checked-out cart already an order");
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A followed event moves its own order; a payload that does not decode as its type is
    /// refused for good; an event orders does not follow moves nothing.
    #[test]
    fn each_followed_event_names_its_order_and_its_move() {
        let order_id = Uuid::now_v7();
        let reserved = EventEnvelope::wrap(&StockReserved {
            order_id,
            lines: Vec::new(),
            expires_at: chrono::Utc::now(),
        });
        assert_eq!(
            order_event(&reserved).unwrap(),
            Some((order_id, OrderEvent::StockReserved))
        );
        let mut malformed = reserved.clone();
        malformed.payload = serde_json::json!({ "orderId": "not a uuid" });
        assert!(matches!(
            order_event(&malformed),
            Err(HandlerError::Permanent(_))
        ));
        let mut other = reserved;
        other.event_type = "order.placed".into();
        assert_eq!(order_event(&other).unwrap(), None);
        let moves: Vec<OrderEvent> = FOLLOWED.iter().map(|f| f.2).collect();
        assert!(
            moves
                .iter()
                .enumerate()
                .all(|(at, m)| !moves[..at].contains(m)),
            "two types make the same move"
        );
    }
}
