//! The append-only `stock_ledger`: every change to a stock level is one row, so
//! summing a level's deltas gives its current values.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::rows::{LedgerRow, NewLedgerRow};
use super::schema::stock_ledger;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerKind {
    /// Staff counted, received or wrote off stock.
    Adjustment,
    /// Held for an order.
    Reservation,
    /// A hold given back (cancelled, declined or expired).
    Release,
    /// A hold that became a sale: the stock left.
    Sale,
}

impl LedgerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Adjustment => "adjustment",
            Self::Reservation => "reservation",
            Self::Release => "release",
            Self::Sale => "sale",
        }
    }

    /// Kinds come from our own column, whose CHECK allows only these.
    pub fn from_column(value: &str) -> Self {
        match value {
            "reservation" => Self::Reservation,
            "release" => Self::Release,
            "sale" => Self::Sale,
            _ => Self::Adjustment,
        }
    }
}

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
