//! Rows as Diesel reads them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{cart_lines, carts, tax_rates};

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
