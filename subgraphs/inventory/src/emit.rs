//! The events stock changes emit, written to the outbox in the change's own
//! transaction. Reservation events are keyed by order, adjustments by product.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use mart_events::catalog::{
    ReservedLine, Shortage, StockAdjusted, StockCommitted, StockRejected, StockReleased,
    StockReserved,
};
use mart_events::outbox::entry;
use mart_events::{EventEnvelope, enqueue};
use uuid::Uuid;

use crate::storage::rows::StockLevelRow;

pub async fn stock_adjusted(
    conn: &mut AsyncPgConnection,
    level: &StockLevelRow,
    delta: i32,
    reason: &str,
) -> QueryResult<()> {
    let event = StockAdjusted {
        product_id: level.product_id,
        warehouse_id: level.warehouse_id,
        delta,
        reason: reason.to_string(),
        on_hand: level.on_hand,
    };
    enqueue(conn, &event).await.map(drop)
}

/// `inventory.reserved`, for [`mart_events::outbox::enqueue_all`] with the round's others.
pub fn stock_reserved(
    order_id: Uuid,
    quantities: &BTreeMap<Uuid, i32>,
    expires_at: DateTime<Utc>,
) -> (&'static str, EventEnvelope) {
    entry(&StockReserved {
        order_id,
        lines: quantities
            .iter()
            .map(|(&product_id, &quantity)| ReservedLine {
                product_id,
                quantity,
            })
            .collect(),
        expires_at,
    })
}

pub async fn stock_released(
    conn: &AsyncPgConnection,
    order_id: Uuid,
    reason: &str,
) -> QueryResult<()> {
    let event = StockReleased {
        order_id,
        reason: reason.to_string(),
    };
    enqueue(conn, &event).await.map(drop)
}

/// `inventory.committed`, for [`mart_events::outbox::enqueue_all`] with the round's others.
pub fn stock_committed(order_id: Uuid) -> (&'static str, EventEnvelope) {
    entry(&StockCommitted { order_id })
}

/// `inventory.rejected`: the order cannot be reserved (`out_of_stock` with
/// what is short, or `invalid_order`).
pub async fn stock_rejected(
    conn: &AsyncPgConnection,
    order_id: Uuid,
    reason: &str,
    shortages: Vec<Shortage>,
) -> QueryResult<()> {
    let event = StockRejected {
        order_id,
        reason: reason.to_string(),
        shortages,
    };
    enqueue(conn, &event).await.map(drop)
}
