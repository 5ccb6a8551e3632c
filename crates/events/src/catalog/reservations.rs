//! Inventory's side of the order saga: stock held, refused, given back or sold
//! for one order. The aggregate is the order, so one order's events stay in order.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::domain_event;
use crate::topics::Topic;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReservedLine {
    pub product_id: Uuid,
    pub quantity: i32,
}

/// Every line of the order is held until `expires_at` (all or nothing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockReserved {
    pub order_id: Uuid,
    pub lines: Vec<ReservedLine>,
    pub expires_at: DateTime<Utc>,
}
domain_event!(StockReserved, "inventory.reserved", v 1, Topic::Inventory, |e| e.order_id);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shortage {
    pub product_id: Uuid,
    pub requested: i32,
    pub available: i32,
}

/// Nothing was held: at least one line could not be covered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockRejected {
    pub order_id: Uuid,
    /// `out_of_stock` (the only reason today).
    pub reason: String,
    pub shortages: Vec<Shortage>,
}
domain_event!(StockRejected, "inventory.rejected", v 1, Topic::Inventory, |e| e.order_id);

/// The held stock is available again (payment declined, order cancelled, or the
/// reservation expired).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockReleased {
    pub order_id: Uuid,
    /// `payment_declined`, `order_cancelled` or `expired`.
    pub reason: String,
}
domain_event!(StockReleased, "inventory.released", v 1, Topic::Stock, |e| e.order_id);

/// The held stock is sold: it left `on_hand`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockCommitted {
    pub order_id: Uuid,
}
domain_event!(StockCommitted, "inventory.committed", v 1, Topic::Stock, |e| e.order_id);
