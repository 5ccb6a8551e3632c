//! Payments' part of the saga: keep the order's amount, authorize once its
//! stock is held, void when it is cancelled, capture when it ships.

use diesel_async::AsyncPgConnection;
use mart_events::catalog::{
    DomainEvent, OrderCancelled, OrderPlaced, ShipmentShipped, StockReserved,
};
use mart_events::consumer::HandlerFuture;
use mart_events::{EventEnvelope, EventHandler, OutboxSignal, Topic, Urgency};

use crate::domain::Payments;

pub const TOPICS: &[Topic] = &[Topic::Orders, Topic::Inventory, Topic::Shipping];

/// The event types payments reacts to; the consumer skips the rest unread.
pub const HANDLED: &[&str] = &[
    OrderPlaced::TYPE,
    StockReserved::TYPE,
    OrderCancelled::TYPE,
    ShipmentShipped::TYPE,
];

pub struct SagaHandler {
    pub payments: Payments,
    pub outbox: OutboxSignal,
}

impl EventHandler for SagaHandler {
    /// A customer waits for the order to be confirmed.
    fn urgency(&self) -> Urgency {
        Urgency::Interactive
    }

    fn wants(&self, event_type: &str) -> bool {
        HANDLED.contains(&event_type)
    }

    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        envelope: &'a EventEnvelope,
    ) -> HandlerFuture<'a> {
        Box::pin(async move {
            let p = &self.payments;
            // The consumer wakes the outbox relay after the transaction commits.
            match envelope.event_type.as_str() {
                OrderPlaced::TYPE => p.on_order_placed(conn, &envelope.decode()?).await?,
                StockReserved::TYPE => {
                    let e: StockReserved = envelope.decode()?;
                    p.on_stock_reserved(conn, e.order_id).await?
                }
                OrderCancelled::TYPE => {
                    let e: OrderCancelled = envelope.decode()?;
                    p.on_order_cancelled(conn, e.order_id).await?
                }
                ShipmentShipped::TYPE => {
                    let e: ShipmentShipped = envelope.decode()?;
                    p.on_shipment_shipped(conn, e.order_id).await?
                }
                _ => false,
            };
            Ok(())
        })
    }
}
