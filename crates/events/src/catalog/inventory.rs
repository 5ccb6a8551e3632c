use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::domain_event;
use crate::topics::Topic;

/// A manual stock change by staff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockAdjusted {
    pub product_id: Uuid,
    pub warehouse_id: Uuid,
    pub delta: i32,
    pub reason: String,
    pub on_hand: i32,
}
domain_event!(StockAdjusted, "inventory.stock_adjusted", v 1, Topic::Stock, |e| e.product_id);
