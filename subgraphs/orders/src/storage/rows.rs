//! Rows as stored.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use mart_events::catalog::AddressPayload;
use uuid::Uuid;

use super::schema::{order_lines, order_status_history, orders};

// `treat_none_as_default_value = false` on every `Insertable` of the workspace: by
// default diesel writes each field as "value or DEFAULT", which it refuses to keep as
// a prepared statement, so every insert was parsed and planned anew (a round trip
// more, and ~30 µs of planning each; pg_stat_statements, bench/LOG.md session 21).
// No nullable column we insert has a default, so `None` is NULL either way.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = orders, treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg))]
pub struct OrderRow {
    pub id: Uuid,
    pub number: String,
    pub user_id: Uuid,
    pub idempotency_key: String,
    pub status: String,
    pub cancel_reason: Option<String>,
    pub currency: String,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub total_minor: i64,
    pub total_weight_grams: i64,
    pub shipping_address: serde_json::Value,
    pub reservation_expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// What the placement asked, to tell a retry from another request under
    /// the same idempotency key; `None` for orders placed before it was kept.
    pub request_fingerprint: Option<Vec<u8>>,
    /// Taken off by a discount code (checked-out carts only; else 0).
    pub discount_minor: i64,
    /// On the lines less their discount (checked-out carts only; else 0).
    pub tax_minor: i64,
    /// The code whose use the order holds.
    pub discount_code: Option<String>,
}

impl OrderRow {
    pub fn address(&self) -> AddressPayload {
        serde_json::from_value(self.shipping_address.clone()).unwrap_or_else(|_| AddressPayload {
            name: String::new(),
            line1: String::new(),
            line2: None,
            city: String::new(),
            postal_code: String::new(),
            country: String::new(),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_lines, treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg))]
pub struct LineRow {
    pub order_id: Uuid,
    pub line_no: i32,
    pub product_id: Uuid,
    pub quantity: i32,
    pub unit_price_minor: i64,
    pub weight_grams: i32,
    /// The line's share of the order's discount.
    pub discount_minor: i64,
    pub tax_minor: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = order_status_history)]
#[diesel(check_for_backend(diesel::pg::Pg))]
pub struct HistoryRow {
    pub id: i64,
    pub order_id: Uuid,
    pub status: String,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}
