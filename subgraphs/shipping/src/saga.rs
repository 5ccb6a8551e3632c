//! Shipping's part of the saga: a label for every confirmed order, voided if
//! the order is cancelled before the parcel leaves.

use diesel_async::AsyncPgConnection;
use mart_events::catalog::{DomainEvent, OrderCancelled, OrderConfirmed};
use mart_events::consumer::{BatchFuture, HandlerFuture, Reactions, decode_run};
use mart_events::{EventEnvelope, Topic};

use crate::domain::Shipping;

pub const TOPICS: &[Topic] = &[Topic::Orders];

pub struct SagaHandler {
    pub shipping: Shipping,
}

impl Reactions for SagaHandler {
    const HANDLED: &'static [&'static str] = &[OrderConfirmed::TYPE, OrderCancelled::TYPE];

    fn run_of(event_type: &str) -> Option<usize> {
        (event_type == OrderConfirmed::TYPE).then_some(0)
    }

    /// Runs of `order.confirmed` are labelled together
    /// ([`crate::domain::Shipping::on_orders_confirmed`]): each order gets its own
    /// shipment, so they do not depend on each other.
    fn react_to_run<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        events: &'a [&'a EventEnvelope],
    ) -> BatchFuture<'a> {
        Box::pin(async move {
            let orders: Vec<OrderConfirmed> = decode_run(events)?;
            self.shipping
                .on_orders_confirmed(conn, &orders)
                .await
                .map_err(|e| (0, e))
        })
    }

    /// `order.cancelled`, in its place. Whether it changed anything no longer matters here:
    /// the consumer wakes the outbox relay after the transaction commits.
    fn react<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        envelope: &'a EventEnvelope,
    ) -> HandlerFuture<'a> {
        Box::pin(async move {
            if envelope.event_type == OrderCancelled::TYPE {
                let e: OrderCancelled = envelope.decode()?;
                self.shipping.on_order_cancelled(conn, e.order_id).await?;
            }
            Ok(())
        })
    }
}
