//! Rows as Diesel reads them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{cart_lines, carts, discount_codes, tax_rates};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = carts, check_for_backend(diesel::pg::Pg))]
pub struct CartRow {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub shipping_address: Option<serde_json::Value>,
    pub discount_code: Option<String>,
    /// Once checked out: the order made from it, and the checkout's idempotency key.
    pub order_id: Option<Uuid>,
    pub checkout_key: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cart_lines, check_for_backend(diesel::pg::Pg))]
pub struct LineRow {
    pub product_id: Uuid,
    pub quantity: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tax_rates, check_for_backend(diesel::pg::Pg))]
pub struct TaxRateRow {
    pub country: String,
    pub category_id: Option<Uuid>,
    pub basis_points: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = discount_codes, check_for_backend(diesel::pg::Pg), treat_none_as_default_value = false)]
pub struct DiscountRow {
    pub code: String,
    pub percent_basis_points: Option<i32>,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub min_subtotal_minor: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub max_uses: Option<i32>,
    pub max_uses_per_customer: Option<i32>,
    pub uses: i32,
}
