//! Payments' part of the saga: keep the order's amount, authorize once its
//! stock is held, void when it is cancelled, capture when it ships.

use diesel_async::AsyncPgConnection;
use mart_events::catalog::{
    DomainEvent, OrderCancelled, OrderPlaced, ShipmentShipped, StockReserved,
};
use mart_events::consumer::{BatchFuture, HandlerFuture, Reactions};
use mart_events::{EventEnvelope, HandlerError, Topic, Urgency};

use crate::domain::{Learned, Payments};

/// What authorizing (or voiding) an order waits on: fetched at the interactive cadence.
pub const TOPICS: &[Topic] = &[Topic::Orders, Topic::Inventory];

/// Shipments (a capture when the parcel leaves), which nobody waits on: fetched by a
/// second consumer at the background cadence ([`mart_events::consumer::Unhurried`]).
pub const SHIPMENT_TOPICS: &[Topic] = &[Topic::Shipping];

pub struct SagaHandler {
    pub payments: Payments,
}

impl Reactions for SagaHandler {
    const HANDLED: &'static [&'static str] = &[
        OrderPlaced::TYPE,
        StockReserved::TYPE,
        OrderCancelled::TYPE,
        ShipmentShipped::TYPE,
    ];
    /// A customer waits for the order to be confirmed.
    const URGENCY: Urgency = Urgency::Interactive;

    fn run_of(event_type: &str) -> Option<usize> {
        LEARNED.contains(&event_type).then_some(0)
    }

    /// Runs of `order.placed` and `inventory.reserved` are recorded together
    /// ([`Payments::learn_all`]).
    fn react_to_run<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        events: &'a [&'a EventEnvelope],
    ) -> BatchFuture<'a> {
        Box::pin(self.learn(conn, events))
    }

    /// The other events one by one, in their place. The consumer wakes the outbox relay
    /// after the transaction commits.
    fn react<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        envelope: &'a EventEnvelope,
    ) -> HandlerFuture<'a> {
        Box::pin(async move {
            let p = &self.payments;
            match envelope.event_type.as_str() {
                OrderCancelled::TYPE => {
                    let e: OrderCancelled = envelope.decode()?;
                    p.on_order_cancelled(conn, e.order_id).await?;
                }
                ShipmentShipped::TYPE => {
                    let e: ShipmentShipped = envelope.decode()?;
                    p.on_shipment_shipped(conn, e.order_id).await?;
                }
                _ => {}
            }
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
