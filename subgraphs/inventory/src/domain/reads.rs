//! What the API reads: warehouses, stock levels and the ledger.

use mart_service::Database;
use uuid::Uuid;

use super::{InventoryError, LedgerEntry, StockLevel, Warehouse};
use crate::storage::{ledger, stock, warehouses};

/// The most ledger entries one request may read.
pub const LEDGER_PAGE_MAX: i32 = 200;

/// Every warehouse, by code.
pub async fn all_warehouses(db: &Database) -> Result<Vec<Warehouse>, InventoryError> {
    let mut conn = db.conn().await?;
    let rows = warehouses::all(&mut conn).await?;
    Ok(rows.into_iter().map(Warehouse::from).collect())
}

/// The warehouses among `ids` that exist.
pub async fn warehouses_by_ids(
    db: &Database,
    ids: &[Uuid],
) -> Result<Vec<Warehouse>, InventoryError> {
    let mut conn = db.conn().await?;
    let rows = warehouses::by_ids(&mut conn, ids).await?;
    Ok(rows.into_iter().map(Warehouse::from).collect())
}

/// Every stock level of the products in `ids`.
pub async fn stock_of_products(
    db: &Database,
    ids: &[Uuid],
) -> Result<Vec<StockLevel>, InventoryError> {
    let mut conn = db.conn().await?;
    let rows = stock::for_products(&mut conn, ids).await?;
    Ok(rows.into_iter().map(StockLevel::from).collect())
}

/// The newest `first` (1 to [`LEDGER_PAGE_MAX`]) ledger entries of a
/// product, newest first, optionally in one warehouse.
pub async fn recent_ledger(
    db: &Database,
    product_id: Uuid,
    warehouse_id: Option<Uuid>,
    first: i32,
) -> Result<Vec<LedgerEntry>, InventoryError> {
    if !(1..=LEDGER_PAGE_MAX).contains(&first) {
        return Err(InventoryError::bad_input(
            "first",
            format!("first must be between 1 and {LEDGER_PAGE_MAX}"),
        ));
    }
    let mut conn = db.conn().await?;
    let rows = ledger::recent(&mut conn, product_id, warehouse_id, i64::from(first)).await?;
    Ok(rows.into_iter().map(LedgerEntry::from).collect())
}
