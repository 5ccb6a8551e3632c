//! Shipping's part of the saga: a label for every confirmed order, voided if
//! the order is cancelled before the parcel leaves.

use diesel_async::AsyncPgConnection;
use mart_events::catalog::{DomainEvent, OrderCancelled, OrderConfirmed};
use mart_events::consumer::HandlerFuture;
use mart_events::{EventEnvelope, EventHandler, OutboxSignal, Topic};

use crate::domain::Shipping;

pub const TOPICS: &[Topic] = &[Topic::Orders];

/// The event types shipping reacts to; the consumer skips the rest unread.
pub const HANDLED: &[&str] = &[OrderConfirmed::TYPE, OrderCancelled::TYPE];

pub struct SagaHandler {
    pub shipping: Shipping,
    pub outbox: OutboxSignal,
}

impl EventHandler for SagaHandler {
    fn wants(&self, event_type: &str) -> bool {
        HANDLED.contains(&event_type)
    }

    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        envelope: &'a EventEnvelope,
    ) -> HandlerFuture<'a> {
        Box::pin(async move {
            // Whether the event changed anything no longer matters here: the
            // consumer wakes the outbox relay after the transaction commits.
            match envelope.event_type.as_str() {
                OrderConfirmed::TYPE => {
                    self.shipping
                        .on_order_confirmed(conn, &envelope.decode()?)
                        .await?
                }
                OrderCancelled::TYPE => {
                    let e: OrderCancelled = envelope.decode()?;
                    self.shipping.on_order_cancelled(conn, e.order_id).await?
                }
                _ => false,
            };
            Ok(())
        })
    }
}
