//! Queries on `categories`.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::rows::{CategoryRow, NewCategoryRow};
use super::schema::categories;

pub async fn insert(
    conn: &mut AsyncPgConnection,
    row: &NewCategoryRow,
) -> QueryResult<CategoryRow> {
    diesel::insert_into(categories::table)
        .values(row)
        .returning(CategoryRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<CategoryRow>> {
    categories::table
        .select(CategoryRow::as_select())
        .order((categories::name.asc(), categories::id.asc()))
        .load(conn)
        .await
}

pub async fn by_slug(conn: &mut AsyncPgConnection, slug: &str) -> QueryResult<Option<CategoryRow>> {
    categories::table
        .filter(categories::slug.eq(slug))
        .select(CategoryRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<CategoryRow>> {
    // One id with `=`: PostgreSQL keeps that plan, but plans `= ANY($1)` anew
    // on every execution (see `products::load_by_keys`).
    let query = categories::table
        .select(CategoryRow::as_select())
        .into_boxed();
    let query = match ids {
        [] => return Ok(Vec::new()),
        [id] => query.filter(categories::id.eq(*id)),
        ids => query.filter(categories::id.eq_any(ids)),
    };
    query.load(conn).await
}
