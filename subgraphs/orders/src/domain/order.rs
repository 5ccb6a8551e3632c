//! An order as the use cases hand it out: the order, its lines and its status
//! history. Money is in minor units of the order's currency.

use chrono::{DateTime, Utc};
use mart_events::catalog::AddressPayload;
use uuid::Uuid;

use super::OrderStatus;
use crate::storage::rows::{HistoryRow, LineRow, OrderRow};

#[derive(Debug, Clone)]
pub struct Order {
    pub id: Uuid,
    /// Human-readable, e.g. `M-1042`.
    pub number: String,
    /// The customer who placed it: only they (and staff) may see it.
    pub user_id: Uuid,
    pub status: OrderStatus,
    /// Set when the order is cancelled.
    pub cancel_reason: Option<String>,
    /// ISO 4217 code every amount of the order is in.
    pub currency: String,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    /// Taken off by a discount code (orders from a checked-out cart; else 0).
    pub discount_minor: i64,
    /// Tax on the lines less their discount (orders from a checked-out cart; else 0).
    pub tax_minor: i64,
    /// The discount code the order used.
    pub discount_code: Option<String>,
    /// Subtotal − discount + tax + shipping, fixed at placement.
    pub total_minor: i64,
    pub total_weight_grams: i64,
    /// Where it goes, as given at placement.
    pub shipping_address: AddressPayload,
    /// An order still waiting for payment is cancelled after this.
    pub reservation_expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<OrderRow> for Order {
    fn from(row: OrderRow) -> Self {
        Self {
            shipping_address: row.address(),
            id: row.id,
            number: row.number,
            user_id: row.user_id,
            status: OrderStatus::stored(&row.status),
            cancel_reason: row.cancel_reason,
            currency: row.currency,
            subtotal_minor: row.subtotal_minor,
            shipping_minor: row.shipping_minor,
            discount_minor: row.discount_minor,
            tax_minor: row.tax_minor,
            discount_code: row.discount_code,
            total_minor: row.total_minor,
            total_weight_grams: row.total_weight_grams,
            reservation_expires_at: row.reservation_expires_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// One line, priced when the order was placed.
#[derive(Debug, Clone)]
pub struct OrderLine {
    pub order_id: Uuid,
    pub product_id: Uuid,
    pub quantity: i32,
    pub unit_price_minor: i64,
    /// The line's share of the order's discount.
    pub discount_minor: i64,
    /// Tax on the line less its discount.
    pub tax_minor: i64,
}

impl OrderLine {
    /// The unit price times the quantity.
    pub fn total_minor(&self) -> i64 {
        self.unit_price_minor * i64::from(self.quantity)
    }
}

impl From<LineRow> for OrderLine {
    fn from(row: LineRow) -> Self {
        Self {
            order_id: row.order_id,
            product_id: row.product_id,
            quantity: row.quantity,
            unit_price_minor: row.unit_price_minor,
            discount_minor: row.discount_minor,
            tax_minor: row.tax_minor,
        }
    }
}

/// A status the order had, and when.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub order_id: Uuid,
    pub status: OrderStatus,
    /// Why, for cancellations (see [`super::status::reason`]).
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<HistoryRow> for HistoryEntry {
    fn from(row: HistoryRow) -> Self {
        Self {
            order_id: row.order_id,
            status: OrderStatus::stored(&row.status),
            reason: row.reason,
            at: row.at,
        }
    }
}
