//! Shipping's part of the saga: a label for every confirmed order, voided if
//! the order is cancelled before the parcel leaves.

use diesel_async::AsyncPgConnection;
use futures::future::try_join_all;
use mart_events::catalog::{DomainEvent, OrderCancelled, OrderConfirmed};
use mart_events::consumer::{BatchFuture, HandlerFuture, runs};
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

    /// Runs of `order.confirmed` are handled side by side on the round's
    /// connection (their statements pipelined): each order gets its own
    /// shipment, so they do not depend on each other. The other events one by
    /// one, in their place.
    fn handle_batch<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        events: &'a [&'a EventEnvelope],
    ) -> BatchFuture<'a> {
        Box::pin(async move {
            let confirmed = |kind: &str| (kind == OrderConfirmed::TYPE).then_some(());
            for run in runs(events, confirmed) {
                let batch = &events[run.clone()];
                if confirmed(&batch[0].event_type).is_none() {
                    self.handle(conn, batch[0])
                        .await
                        .map_err(|e| (run.start, e))?;
                    continue;
                }
                let mut orders: Vec<OrderConfirmed> = Vec::with_capacity(batch.len());
                for (at, envelope) in batch.iter().enumerate() {
                    orders.push(envelope.decode().map_err(|e| (run.start + at, e.into()))?);
                }
                let shared: &AsyncPgConnection = conn;
                try_join_all(
                    orders
                        .iter()
                        .map(|order| self.shipping.on_order_confirmed(shared, order)),
                )
                .await
                .map_err(|e| (run.start, e))?;
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
