//! The append-only `stock_ledger`: every change to a stock level is one row, so
//! summing a level's deltas gives its current values.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::rows::{LedgerRow, NewLedgerRow};
use super::schema::stock_ledger;

pub async fn append(mut conn: &AsyncPgConnection, entries: &[NewLedgerRow]) -> QueryResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    diesel::insert_into(stock_ledger::table)
        .values(entries)
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// The newest `limit` entries of a product (in one warehouse, or all).
pub async fn recent(
    conn: &mut AsyncPgConnection,
    product_id: Uuid,
    warehouse_id: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<LedgerRow>> {
    let mut query = stock_ledger::table
        .filter(stock_ledger::product_id.eq(product_id))
        .select(LedgerRow::as_select())
        .into_boxed();
    if let Some(warehouse_id) = warehouse_id {
        query = query.filter(stock_ledger::warehouse_id.eq(warehouse_id));
    }
    query
        .order(stock_ledger::id.desc())
        .limit(limit)
        .load(conn)
        .await
}
