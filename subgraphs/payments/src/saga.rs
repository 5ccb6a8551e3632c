//! Payments' part of the saga: keep the order's amount, authorize once its
//! stock is held, void when it is cancelled, capture when it ships.

use diesel_async::AsyncPgConnection;
use mart_events::catalog::{
    DomainEvent, OrderCancelled, OrderPlaced, ShipmentShipped, StockReserved,
};
use mart_events::consumer::{BatchFuture, HandlerFuture, runs};
use mart_events::{EventEnvelope, EventHandler, HandlerError, OutboxSignal, Topic, Urgency};

use crate::domain::{Learned, Payments};

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

    /// Runs of `order.placed` and `inventory.reserved` are recorded together
    /// ([`Payments::learn_all`]); the other events one by one, in their place.
    fn handle_batch<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        events: &'a [&'a EventEnvelope],
    ) -> BatchFuture<'a> {
        Box::pin(async move {
            let learned = |kind: &str| LEARNED.contains(&kind).then_some(());
            for run in runs(events, learned) {
                let batch = &events[run.clone()];
                let done = if learned(&batch[0].event_type).is_some() {
                    self.learn(conn, batch).await
                } else {
                    self.handle(conn, batch[0]).await.map_err(|e| (0, e))
                };
                done.map_err(|(at, e)| (run.start + at, e))?;
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
            let p = &self.payments;
            // The consumer wakes the outbox relay after the transaction commits.
            match envelope.event_type.as_str() {
                OrderPlaced::TYPE | StockReserved::TYPE => {
                    self.learn(conn, &[envelope]).await.map_err(|(_, e)| e)?;
                    true
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

/// The events that only teach payments something about an order.
const LEARNED: &[&str] = &[OrderPlaced::TYPE, StockReserved::TYPE];

impl SagaHandler {
    async fn learn(
        &self,
        conn: &AsyncPgConnection,
        events: &[&EventEnvelope],
    ) -> Result<(), (usize, HandlerError)> {
        enum Decoded {
            Placed(Box<OrderPlaced>),
            Reserved(StockReserved),
        }
        let mut decoded = Vec::with_capacity(events.len());
        for (at, envelope) in events.iter().enumerate() {
            let event = if envelope.event_type == OrderPlaced::TYPE {
                envelope.decode().map(|p| Decoded::Placed(Box::new(p)))
            } else {
                envelope.decode().map(Decoded::Reserved)
            };
            decoded.push(event.map_err(|e| (at, e.into()))?);
        }
        let learned: Vec<Learned<'_>> = decoded
            .iter()
            .map(|event| match event {
                Decoded::Placed(placed) => Learned::Placed(placed),
                Decoded::Reserved(reserved) => Learned::StockReserved(reserved.order_id),
            })
            .collect();
        self.payments
            .learn_all(conn, &learned)
            .await
            .map_err(|e| (0, e))
    }
}
