//! Rates and shipments in the shipping database.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::domain::ShipmentStatus;

diesel::table! {
    shipping_rates (country, currency, max_weight_grams) {
        country -> Text,
        currency -> Text,
        max_weight_grams -> Int4,
        amount_minor -> Int8,
        carrier -> Text,
    }
}

diesel::table! {
    shipments (id) {
        id -> Uuid,
        order_id -> Uuid,
        user_id -> Uuid,
        carrier -> Text,
        tracking_number -> Text,
        status -> Text,
        weight_grams -> Int8,
        shipping_address -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    shipment_events (id) {
        id -> Int8,
        shipment_id -> Uuid,
        status -> Text,
        at -> Timestamptz,
    }
}

diesel::joinable!(shipment_events -> shipments (shipment_id));
diesel::allow_tables_to_appear_in_same_query!(shipments, shipment_events);

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
#[diesel(table_name = shipments)]
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

impl ShipmentRow {
    pub fn status(&self) -> ShipmentStatus {
        ShipmentStatus::parse(&self.status).unwrap_or(ShipmentStatus::LabelCreated)
    }
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

/// The cheapest band that carries `weight_grams` to `country` in `currency`
/// (a country's own rates before the `*` fallback); `None` when none does.
/// `currency` `None` accepts any.
pub async fn rate(
    mut conn: &AsyncPgConnection,
    country: &str,
    weight_grams: i64,
    currency: Option<&str>,
) -> QueryResult<Option<RateRow>> {
    let Ok(weight) = i32::try_from(weight_grams) else {
        return Ok(None);
    };
    let mut query = shipping_rates::table
        .filter(shipping_rates::country.eq_any([country, "*"]))
        .filter(shipping_rates::max_weight_grams.ge(weight))
        .order((
            shipping_rates::country.eq("*").asc(),
            shipping_rates::max_weight_grams.asc(),
        ))
        .select(RateRow::as_select())
        .into_boxed();
    if let Some(currency) = currency {
        query = query.filter(shipping_rates::currency.eq(currency));
    }
    query.first(&mut conn).await.optional()
}

/// Inserts the order's shipment unless it has one; `None` if it had. The
/// caller logs its first status ([`log_status`]).
pub async fn insert_shipment(
    mut conn: &AsyncPgConnection,
    row: &ShipmentRow,
) -> QueryResult<Option<ShipmentRow>> {
    diesel::insert_into(shipments::table)
        .values(row)
        .on_conflict(shipments::order_id)
        .do_nothing()
        .returning(ShipmentRow::as_returning())
        .get_result(&mut conn)
        .await
        .optional()
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ShipmentRow>> {
    shipments::table
        .find(id)
        .select(ShipmentRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_by_order(
    conn: &mut AsyncPgConnection,
    order_id: Uuid,
) -> QueryResult<Option<ShipmentRow>> {
    shipments::table
        .filter(shipments::order_id.eq(order_id))
        .select(ShipmentRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ShipmentRow>> {
    shipments::table
        .find(id)
        .select(ShipmentRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn lock_by_order(
    conn: &mut AsyncPgConnection,
    order_id: Uuid,
) -> QueryResult<Option<ShipmentRow>> {
    shipments::table
        .filter(shipments::order_id.eq(order_id))
        .select(ShipmentRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: ShipmentStatus,
) -> QueryResult<ShipmentRow> {
    let row = diesel::update(shipments::table.find(id))
        .set((
            shipments::status.eq(status.as_str()),
            shipments::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ShipmentRow::as_returning())
        .get_result(conn)
        .await?;
    log_status(conn, id, status).await?;
    Ok(row)
}

pub async fn log_status(
    mut conn: &AsyncPgConnection,
    shipment_id: Uuid,
    status: ShipmentStatus,
) -> QueryResult<()> {
    diesel::insert_into(shipment_events::table)
        .values((
            shipment_events::shipment_id.eq(shipment_id),
            shipment_events::status.eq(status.as_str()),
        ))
        .execute(&mut conn)
        .await?;
    Ok(())
}

pub async fn events_of(
    conn: &mut AsyncPgConnection,
    shipment_id: Uuid,
) -> QueryResult<Vec<ShipmentEventRow>> {
    shipment_events::table
        .filter(shipment_events::shipment_id.eq(shipment_id))
        .order(shipment_events::id)
        .select(ShipmentEventRow::as_select())
        .load(conn)
        .await
}
