//! A shipment as the use cases hand it out.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::ShipmentStatus;
use crate::storage::{ShipmentEventRow, ShipmentRow};

#[derive(Debug, Clone)]
pub struct Shipment {
    pub id: Uuid,
    pub order_id: Uuid,
    /// The customer who ordered it: only they (and staff) may see it.
    pub user_id: Uuid,
    pub carrier: String,
    pub tracking_number: String,
    pub status: ShipmentStatus,
    pub weight_grams: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ShipmentRow> for Shipment {
    fn from(row: ShipmentRow) -> Self {
        Self {
            id: row.id,
            order_id: row.order_id,
            user_id: row.user_id,
            carrier: row.carrier,
            tracking_number: row.tracking_number,
            status: ShipmentStatus::stored(&row.status),
            weight_grams: row.weight_grams,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A status the parcel had, and when.
#[derive(Debug, Clone, Copy)]
pub struct StatusChange {
    pub status: ShipmentStatus,
    pub at: DateTime<Utc>,
}

impl From<ShipmentEventRow> for StatusChange {
    fn from(row: ShipmentEventRow) -> Self {
        Self {
            status: ShipmentStatus::stored(&row.status),
            at: row.at,
        }
    }
}
