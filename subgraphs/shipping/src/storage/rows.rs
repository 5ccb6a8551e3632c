//! Rows as the tables hold them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{shipment_events, shipments, shipping_rates};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = shipping_rates)]
#[diesel(check_for_backend(diesel::pg::Pg))]
pub struct RateRow {
    pub country: String,
    pub currency: String,
    pub max_weight_grams: i32,
    pub amount_minor: i64,
    pub carrier: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = shipments, treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg))]
pub struct ShipmentRow {
    pub id: Uuid,
    pub order_id: Uuid,
    pub user_id: Uuid,
    pub carrier: String,
    pub tracking_number: String,
    pub status: String,
    pub weight_grams: i64,
    pub shipping_address: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = shipment_events)]
#[diesel(check_for_backend(diesel::pg::Pg))]
pub struct ShipmentEventRow {
    pub id: i64,
    pub shipment_id: Uuid,
    pub status: String,
    pub at: DateTime<Utc>,
}
