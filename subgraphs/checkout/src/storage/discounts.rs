//! Queries on `discount_codes`.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::rows::DiscountRow;
use super::schema::discount_codes;

pub async fn insert(conn: &mut AsyncPgConnection, row: &DiscountRow) -> QueryResult<()> {
    diesel::insert_into(discount_codes::table)
        .values(row)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find(conn: &mut AsyncPgConnection, code: &str) -> QueryResult<Option<DiscountRow>> {
    discount_codes::table
        .find(code)
        .select(DiscountRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Every code, newest first.
pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<DiscountRow>> {
    discount_codes::table
        .order(discount_codes::created_at.desc())
        .select(DiscountRow::as_select())
        .load(conn)
        .await
}
