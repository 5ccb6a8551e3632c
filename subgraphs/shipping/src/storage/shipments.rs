//! Shipments and the log of their statuses.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::rows::{ShipmentEventRow, ShipmentRow};
use super::schema::{shipment_events, shipments};

/// Inserts every row whose order has no shipment yet, in one statement; returns
/// those inserted. The caller logs their first status ([`log_statuses`]).
pub async fn insert_shipments(
    mut conn: &AsyncPgConnection,
    rows: &[ShipmentRow],
) -> QueryResult<Vec<ShipmentRow>> {
    diesel::insert_into(shipments::table)
        .values(rows)
        .on_conflict(shipments::order_id)
        .do_nothing()
        .returning(ShipmentRow::as_returning())
        .get_results(&mut conn)
        .await
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

/// The same first status for each of `shipment_ids`, in one statement.
pub async fn log_statuses(
    mut conn: &AsyncPgConnection,
    shipment_ids: &[Uuid],
    status: &str,
) -> QueryResult<()> {
    let rows: Vec<_> = shipment_ids
        .iter()
        .map(|&id| {
            (
                shipment_events::shipment_id.eq(id),
                shipment_events::status.eq(status),
            )
        })
        .collect();
    diesel::insert_into(shipment_events::table)
        .values(rows)
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
