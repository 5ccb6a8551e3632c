//! Queries on `addresses`.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::rows::AddressRow;
use super::schema::addresses;

pub async fn insert(conn: &mut AsyncPgConnection, row: &AddressRow) -> QueryResult<AddressRow> {
    diesel::insert_into(addresses::table)
        .values(row)
        .returning(AddressRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<AddressRow>> {
    addresses::table
        .find(id)
        .select(AddressRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<bool> {
    let deleted = diesel::delete(addresses::table.find(id))
        .execute(conn)
        .await?;
    Ok(deleted > 0)
}

pub async fn count_for_user(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<i64> {
    addresses::table
        .filter(addresses::user_id.eq(user_id))
        .count()
        .get_result(conn)
        .await
}

/// The addresses of every user in `user_ids`, oldest first per user.
pub async fn for_users(
    conn: &mut AsyncPgConnection,
    user_ids: &[Uuid],
) -> QueryResult<Vec<AddressRow>> {
    addresses::table
        .filter(addresses::user_id.eq_any(user_ids))
        .order((addresses::created_at.asc(), addresses::id.asc()))
        .select(AddressRow::as_select())
        .load(conn)
        .await
}
