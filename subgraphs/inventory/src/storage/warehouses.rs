//! Queries on `warehouses`.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::rows::WarehouseRow;
use super::schema::warehouses;

pub async fn insert(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    code: &str,
    name: &str,
) -> QueryResult<WarehouseRow> {
    diesel::insert_into(warehouses::table)
        .values((
            warehouses::id.eq(id),
            warehouses::code.eq(code),
            warehouses::name.eq(name),
        ))
        .returning(WarehouseRow::as_returning())
        .get_result(conn)
        .await
}

/// Inserts unless a warehouse with this id or code exists; true when inserted.
pub async fn insert_missing(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    code: &str,
    name: &str,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(warehouses::table)
        .values((
            warehouses::id.eq(id),
            warehouses::code.eq(code),
            warehouses::name.eq(name),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<WarehouseRow>> {
    warehouses::table
        .select(WarehouseRow::as_select())
        .order(warehouses::code.asc())
        .load(conn)
        .await
}

pub async fn by_codes(
    conn: &mut AsyncPgConnection,
    codes: &[&str],
) -> QueryResult<Vec<WarehouseRow>> {
    warehouses::table
        .filter(warehouses::code.eq_any(codes))
        .select(WarehouseRow::as_select())
        .order(warehouses::code.asc())
        .load(conn)
        .await
}

pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<WarehouseRow>> {
    warehouses::table
        .filter(warehouses::id.eq_any(ids))
        .select(WarehouseRow::as_select())
        .load(conn)
        .await
}
