//! Rows as Diesel reads and writes them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{reservation_lines, reservations, stock_ledger, stock_levels, warehouses};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = warehouses, check_for_backend(diesel::pg::Pg), treat_none_as_default_value = false)]
pub struct WarehouseRow {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = stock_levels, check_for_backend(diesel::pg::Pg))]
pub struct StockLevelRow {
    pub product_id: Uuid,
    pub warehouse_id: Uuid,
    pub on_hand: i32,
    pub reserved: i32,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = reservations, check_for_backend(diesel::pg::Pg))]
pub struct ReservationRow {
    pub order_id: Uuid,
    pub status: String,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = reservation_lines, check_for_backend(diesel::pg::Pg), treat_none_as_default_value = false)]
pub struct ReservationLineRow {
    pub order_id: Uuid,
    pub product_id: Uuid,
    pub warehouse_id: Uuid,
    pub quantity: i32,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = stock_ledger, check_for_backend(diesel::pg::Pg))]
pub struct LedgerRow {
    pub id: i64,
    pub product_id: Uuid,
    pub warehouse_id: Uuid,
    pub kind: String,
    pub on_hand_delta: i32,
    pub reserved_delta: i32,
    pub order_id: Option<Uuid>,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = stock_ledger, treat_none_as_default_value = false)]
pub struct NewLedgerRow {
    pub product_id: Uuid,
    pub warehouse_id: Uuid,
    pub kind: &'static str,
    pub on_hand_delta: i32,
    pub reserved_delta: i32,
    pub order_id: Option<Uuid>,
    pub reason: Option<String>,
}
