//! A stock level as the use cases hand it out: one product in one warehouse.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::storage::rows::StockLevelRow;

#[derive(Debug, Clone, PartialEq)]
pub struct StockLevel {
    pub product_id: Uuid,
    pub warehouse_id: Uuid,
    /// Units physically in the warehouse.
    pub on_hand: i32,
    /// Units held for orders not yet paid.
    pub reserved: i32,
    pub updated_at: DateTime<Utc>,
}

impl StockLevel {
    /// Units that can still be ordered.
    pub fn available(&self) -> i32 {
        self.on_hand - self.reserved
    }
}

impl From<StockLevelRow> for StockLevel {
    fn from(row: StockLevelRow) -> Self {
        Self {
            product_id: row.product_id,
            warehouse_id: row.warehouse_id,
            on_hand: row.on_hand,
            reserved: row.reserved,
            updated_at: row.updated_at,
        }
    }
}
