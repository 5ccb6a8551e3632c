//! Shipping's part of the saga: a label for every confirmed order, voided if
//! the order is cancelled before the parcel leaves.

use diesel_async::AsyncPgConnection;
use futures::future::try_join_all;
use mart_events::catalog::{DomainEvent, OrderCancelled, OrderConfirmed};
use mart_events::consumer::{BatchFuture, HandlerFuture};
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
            let mut at = 0;
            while at < events.len() {
                let run = events[at..]
                    .iter()
                    .take_while(|e| e.event_type == OrderConfirmed::TYPE)
                    .count();
                if run == 0 {
                    self.handle(conn, events[at]).await.map_err(|e| (at, e))?;
                    at += 1;
                    continue;
                }
                let mut confirmed: Vec<OrderConfirmed> = Vec::with_capacity(run);
                for (i, envelope) in events[at..at + run].iter().enumerate() {
                    confirmed.push(envelope.decode().map_err(|e| (at + i, e.into()))?);
                }
                let shared: &AsyncPgConnection = conn;
                try_join_all(
                    confirmed
                        .iter()
                        .map(|order| self.shipping.on_order_confirmed(shared, order)),
                )
                .await
                .map_err(|e| (at, e))?;
                at += run;
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
