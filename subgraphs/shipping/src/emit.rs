//! The events shipping emits, written to the outbox in the change's own
//! transaction.

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use mart_events::catalog::{
    ShipmentCancelled, ShipmentCreated, ShipmentDelivered, ShipmentReturned, ShipmentShipped,
};
use mart_events::outbox::entry;
use mart_events::{EventEnvelope, enqueue};

use crate::domain::ShipmentStatus;
use crate::storage::ShipmentRow;

/// `shipment.created`: a label exists for the order. For
/// [`mart_events::outbox::enqueue_all`] with the round's others.
pub fn created(row: &ShipmentRow) -> (&'static str, EventEnvelope) {
    entry(&ShipmentCreated {
        order_id: row.order_id,
        shipment_id: row.id,
        carrier: row.carrier.clone(),
        tracking_number: row.tracking_number.clone(),
    })
}

/// What staff moving the parcel to `to` announces: `shipment.shipped` (the
/// payment is captured), `.delivered`, `.returned`; the saga's own moves
/// (`cancelled`) through [`cancelled`], and none for a label.
pub async fn moved(
    conn: &AsyncPgConnection,
    row: &ShipmentRow,
    to: ShipmentStatus,
) -> QueryResult<()> {
    let (order_id, shipment_id) = (row.order_id, row.id);
    match to {
        ShipmentStatus::InTransit => {
            let event = ShipmentShipped {
                order_id,
                shipment_id,
            };
            enqueue(conn, &event).await.map(drop)
        }
        ShipmentStatus::Delivered => {
            let event = ShipmentDelivered {
                order_id,
                shipment_id,
            };
            enqueue(conn, &event).await.map(drop)
        }
        ShipmentStatus::Returned => {
            let event = ShipmentReturned {
                order_id,
                shipment_id,
            };
            enqueue(conn, &event).await.map(drop)
        }
        ShipmentStatus::Cancelled => cancelled(conn, row).await,
        ShipmentStatus::LabelCreated => Ok(()),
    }
}

/// `shipment.cancelled`: the order was cancelled before the parcel left.
pub async fn cancelled(conn: &AsyncPgConnection, row: &ShipmentRow) -> QueryResult<()> {
    let event = ShipmentCancelled {
        order_id: row.order_id,
        shipment_id: row.id,
    };
    enqueue(conn, &event).await.map(drop)
}
