//! Shipments and the log of their statuses.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::rows::{ShipmentEventRow, ShipmentRow};
use super::schema::{shipment_events, shipments};

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
    status: &str,
) -> QueryResult<ShipmentRow> {
    let row = diesel::update(shipments::table.find(id))
        .set((
            shipments::status.eq(status),
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
    status: &str,
) -> QueryResult<()> {
    diesel::insert_into(shipment_events::table)
        .values((
            shipment_events::shipment_id.eq(shipment_id),
            shipment_events::status.eq(status),
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
