//! Rows as Diesel reads and writes them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{categories, products};

#[derive(Debug, Clone, PartialEq, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = products, check_for_backend(diesel::pg::Pg))]
pub struct ProductRow {
    pub id: Uuid,
    pub sku: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub price_amount_minor: i64,
    pub price_currency: String,
    pub weight_grams: i32,
    pub length_mm: Option<i32>,
    pub width_mm: Option<i32>,
    pub height_mm: Option<i32>,
    pub category_id: Option<Uuid>,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = products, treat_none_as_default_value = false)]
pub struct NewProductRow {
    pub id: Uuid,
    pub sku: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub price_amount_minor: i64,
    pub price_currency: String,
    pub weight_grams: i32,
    pub length_mm: Option<i32>,
    pub width_mm: Option<i32>,
    pub height_mm: Option<i32>,
    pub category_id: Option<Uuid>,
}

/// Columns to change; `None` leaves a column as it is, `Some(None)` clears a
/// nullable one.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = products)]
pub struct ProductChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub price_amount_minor: Option<i64>,
    pub price_currency: Option<String>,
    pub weight_grams: Option<i32>,
    pub length_mm: Option<Option<i32>>,
    pub width_mm: Option<Option<i32>>,
    pub height_mm: Option<Option<i32>>,
    pub category_id: Option<Option<Uuid>>,
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = categories, check_for_backend(diesel::pg::Pg))]
pub struct CategoryRow {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = categories, treat_none_as_default_value = false)]
pub struct NewCategoryRow {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub description: String,
}
