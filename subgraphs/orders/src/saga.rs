//! The orders service's reactions to the saga: each inventory, payment and
//! shipment event becomes an [`OrderEvent`] for the state machine.

use diesel_async::AsyncPgConnection;
use mart_events::catalog::{
    DomainEvent, PaymentAuthorized, PaymentDeclined, ShipmentCreated, ShipmentDelivered,
    ShipmentShipped, StockRejected, StockReserved,
};
use mart_events::consumer::{BatchFuture, HandlerFuture};
use mart_events::{EventEnvelope, EventHandler, HandlerError, OutboxSignal, Urgency};
use uuid::Uuid;

use crate::domain::OrderEvent;
use crate::domain::transition;

/// The saga events this service follows.
pub const TOPICS: &[mart_events::Topic] = &[
    mart_events::Topic::Inventory,
    mart_events::Topic::Payments,
    mart_events::Topic::Shipping,
];

/// The event types that move an order; the consumer skips the rest unread.
pub const HANDLED: &[&str] = &[
    StockReserved::TYPE,
    StockRejected::TYPE,
    PaymentAuthorized::TYPE,
    PaymentDeclined::TYPE,
    ShipmentCreated::TYPE,
    ShipmentShipped::TYPE,
    ShipmentDelivered::TYPE,
];

pub struct SagaHandler {
    pub outbox: OutboxSignal,
}

fn decode<E: DomainEvent>(
    envelope: &EventEnvelope,
    order_id: impl Fn(&E) -> Uuid,
    event: OrderEvent,
) -> Result<Option<(Uuid, OrderEvent)>, HandlerError> {
    let payload: E = envelope.decode()?;
    Ok(Some((order_id(&payload), event)))
}

/// The order and what happened to it, for the event types orders follows.
pub fn order_event(envelope: &EventEnvelope) -> Result<Option<(Uuid, OrderEvent)>, HandlerError> {
    match envelope.event_type.as_str() {
        StockReserved::TYPE => decode(
            envelope,
            |e: &StockReserved| e.order_id,
            OrderEvent::StockReserved,
        ),
        StockRejected::TYPE => decode(
            envelope,
            |e: &StockRejected| e.order_id,
            OrderEvent::StockRejected,
        ),
        PaymentAuthorized::TYPE => decode(
            envelope,
            |e: &PaymentAuthorized| e.order_id,
            OrderEvent::PaymentAuthorized,
        ),
        PaymentDeclined::TYPE => decode(
            envelope,
            |e: &PaymentDeclined| e.order_id,
            OrderEvent::PaymentDeclined,
        ),
        ShipmentCreated::TYPE => decode(
            envelope,
            |e: &ShipmentCreated| e.order_id,
            OrderEvent::ShipmentCreated,
        ),
        ShipmentShipped::TYPE => decode(
            envelope,
            |e: &ShipmentShipped| e.order_id,
            OrderEvent::ShipmentShipped,
        ),
        ShipmentDelivered::TYPE => decode(
            envelope,
            |e: &ShipmentDelivered| e.order_id,
            OrderEvent::ShipmentDelivered,
        ),
        _ => Ok(None),
    }
}

impl EventHandler for SagaHandler {
    /// A customer waits for the order to be confirmed.
    fn urgency(&self) -> Urgency {
        Urgency::Interactive
    }

    fn wants(&self, event_type: &str) -> bool {
        HANDLED.contains(&event_type)
    }

    /// The round's events applied together ([`transition::apply_many`]): a
    /// few round trips for the round rather than two or more per event.
    fn handle_batch<'a>(
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
                if applied.order.is_none() {
                    let kind = &events[*at].event_type;
                    tracing::warn!(%order_id, kind, "event for an unknown order");
                }
            }
            Ok(())
        })
    }

    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        envelope: &'a EventEnvelope,
    ) -> HandlerFuture<'a> {
        Box::pin(async move {
            let Some((order_id, event)) = order_event(envelope)? else {
                return Ok(());
            };
            let applied = transition::apply(conn, order_id, event).await?;
            if applied.order.is_none() {
                tracing::warn!(%order_id, kind = envelope.event_type, "event for an unknown order");
            }
            Ok(())
        })
    }
}
