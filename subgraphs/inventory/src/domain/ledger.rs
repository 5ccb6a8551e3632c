//! The stock ledger as the use cases hand it out: every change to a stock
//! level is one entry, never edited.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::storage::rows::LedgerRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerKind {
    /// Staff counted, received or wrote off stock.
    Adjustment,
    /// Held for an order.
    Reservation,
    /// A hold given back (cancelled, declined or expired).
    Release,
    /// A hold that became a sale: the stock left.
    Sale,
}

impl LedgerKind {
    /// The text the ledger stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Adjustment => "adjustment",
            Self::Reservation => "reservation",
            Self::Release => "release",
            Self::Sale => "sale",
        }
    }

    /// Kinds come from our own column, whose CHECK allows only these.
    pub fn from_column(value: &str) -> Self {
        match value {
            "reservation" => Self::Reservation,
            "release" => Self::Release,
            "sale" => Self::Sale,
            _ => Self::Adjustment,
        }
    }
}

/// One change to a stock level.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    pub id: i64,
    pub product_id: Uuid,
    pub warehouse_id: Uuid,
    pub kind: LedgerKind,
    pub on_hand_delta: i32,
    pub reserved_delta: i32,
    /// The order a reservation, release or sale belongs to.
    pub order_id: Option<Uuid>,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<LedgerRow> for LedgerEntry {
    fn from(row: LedgerRow) -> Self {
        Self {
            id: row.id,
            product_id: row.product_id,
            warehouse_id: row.warehouse_id,
            kind: LedgerKind::from_column(&row.kind),
            on_hand_delta: row.on_hand_delta,
            reserved_delta: row.reserved_delta,
            order_id: row.order_id,
            reason: row.reason,
            created_at: row.created_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LedgerKind as K;

    #[test]
    fn stored_kinds_read_back() {
        for kind in [K::Adjustment, K::Reservation, K::Release, K::Sale] {
            assert_eq!(K::from_column(kind.as_str()), kind);
        }
    }
}
