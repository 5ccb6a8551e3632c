//! What the API reads: warehouses, stock levels and the ledger.

use mart_service::Database;
use uuid::Uuid;

use super::InventoryError;
use crate::storage::rows::{LedgerRow, StockLevelRow, WarehouseRow};
use crate::storage::{ledger, stock, warehouses};

/// The most ledger entries one request may read.
pub const LEDGER_PAGE_MAX: i32 = 200;

/// Every warehouse, by code.
pub async fn all_warehouses(db: &Database) -> Result<Vec<WarehouseRow>, InventoryError> {
    let mut conn = db.conn().await?;
    Ok(warehouses::all(&mut conn).await?)
}

/// The warehouses among `ids` that exist.
pub async fn warehouses_by_ids(
    db: &Database,
    ids: &[Uuid],
) -> Result<Vec<WarehouseRow>, InventoryError> {
    let mut conn = db.conn().await?;
    Ok(warehouses::by_ids(&mut conn, ids).await?)
}

/// Every stock level of the products in `ids`.
pub async fn stock_of_products(
    db: &Database,
    ids: &[Uuid],
) -> Result<Vec<StockLevelRow>, InventoryError> {
    let mut conn = db.conn().await?;
    Ok(stock::for_products(&mut conn, ids).await?)
}

/// The newest `first` (1 to [`LEDGER_PAGE_MAX`]) ledger entries of a
/// product, newest first, optionally in one warehouse.
pub async fn recent_ledger(
    db: &Database,
    product_id: Uuid,
    warehouse_id: Option<Uuid>,
    first: i32,
) -> Result<Vec<LedgerRow>, InventoryError> {
    if !(1..=LEDGER_PAGE_MAX).contains(&first) {
        return Err(InventoryError::bad_input(
            "first",
            format!("first must be between 1 and {LEDGER_PAGE_MAX}"),
        ));
    }
    let mut conn = db.conn().await?;
    Ok(ledger::recent(&mut conn, product_id, warehouse_id, i64::from(first)).await?)
}
