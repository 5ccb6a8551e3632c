use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, Result};
use mart_service::{ApiError, DbError};

use super::types::{StockLevel, Warehouse};
use super::{ApiResultExt, Services, parse_id};
use crate::domain::{self, Adjustment, InventoryError};

/// An adjustment looks up no row a client names (an unknown warehouse is
/// `UnknownWarehouse`), so any query error there, even diesel's NotFound, is
/// internal.
fn adjust_error(e: InventoryError) -> ApiError {
    match e {
        InventoryError::Storage(DbError::Query(e)) => ApiError::internal(e),
        other => other.into(),
    }
}

#[derive(InputObject)]
pub struct CreateWarehouseInput {
    /// 2 to 16 uppercase letters, digits or hyphens, e.g. `AMS-1`.
    pub code: String,
    pub name: String,
}

#[derive(InputObject)]
pub struct AdjustStockInput {
    pub product_id: ID,
    pub warehouse_id: ID,
    /// Units added (positive) or removed (negative); on hand never drops below
    /// what is reserved.
    pub delta: i32,
    /// Recorded in the ledger: "delivery 4711", "stocktake", "damaged".
    pub reason: String,
}

use mart_service::identity::require_admin;

/// Admin operations: each needs an ADMIN access token (the `admin` scope).
pub struct Mutation;

#[Object]
impl Mutation {
    #[graphql(requires_scopes = "admin")]
    async fn create_warehouse(
        &self,
        ctx: &Context<'_>,
        input: CreateWarehouseInput,
    ) -> Result<Warehouse> {
        require_admin(ctx).map_err(|e| e.extend())?;
        let services = ctx.data_unchecked::<Services>();
        let mut conn = services.db.conn().await.gql()?;
        let warehouse = domain::create_warehouse(&mut conn, &input.code, &input.name)
            .await
            .gql()?;
        Ok(Warehouse(warehouse))
    }

    /// Changes the units on hand of a product in a warehouse, with a ledger entry
    /// and an `inventory.stock_adjusted` event.
    #[graphql(requires_scopes = "admin")]
    async fn adjust_stock(&self, ctx: &Context<'_>, input: AdjustStockInput) -> Result<StockLevel> {
        require_admin(ctx).map_err(|e| e.extend())?;
        let adjustment = Adjustment {
            product_id: parse_id("productId", &input.product_id).gql()?,
            warehouse_id: parse_id("warehouseId", &input.warehouse_id).gql()?,
            delta: input.delta,
            reason: input.reason,
        };
        let services = ctx.data_unchecked::<Services>();
        let mut conn = services.db.conn().await.gql()?;
        let level = domain::adjust_stock(&mut conn, &adjustment)
            .await
            .map_err(adjust_error)
            .gql()?;
        services.outbox.committed();
        Ok(StockLevel(level))
    }
}
