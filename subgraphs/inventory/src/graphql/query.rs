use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ID, Object, Result};
use mart_service::identity::require_admin;

use super::loaders::WarehouseLoader;
use super::types::{Product, StockLedgerEntry, Warehouse};
use super::{ApiResultExt, Services, parse_id};
use crate::domain::reads;

pub struct Query;

#[Object]
impl Query {
    /// Every warehouse, by code.
    async fn warehouses(&self, ctx: &Context<'_>) -> Result<Vec<Warehouse>> {
        let services = ctx.data_unchecked::<Services>();
        let warehouses = reads::all_warehouses(&services.db).await.gql()?;
        Ok(warehouses.into_iter().map(Warehouse).collect())
    }

    async fn warehouse(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Warehouse>> {
        let id = parse_id("id", &id).gql()?;
        let loader = ctx.data_unchecked::<DataLoader<WarehouseLoader>>();
        Ok(loader.load_one(id).await?.map(Warehouse))
    }

    /// The newest `first` (1 to 200, default 50) ledger entries of a product,
    /// newest first, optionally in one warehouse. Staff only: entries name
    /// customers' orders and why their payments were declined.
    #[graphql(requires_scopes = "admin")]
    async fn stock_ledger(
        &self,
        ctx: &Context<'_>,
        product_id: ID,
        warehouse_id: Option<ID>,
        #[graphql(default = 50)] first: i32,
    ) -> Result<Vec<StockLedgerEntry>> {
        require_admin(ctx).gql()?;
        let product_id = parse_id("productId", &product_id).gql()?;
        let warehouse_id = warehouse_id
            .map(|id| parse_id("warehouseId", &id))
            .transpose()
            .gql()?;
        let services = ctx.data_unchecked::<Services>();
        let entries = reads::recent_ledger(&services.db, product_id, warehouse_id, first)
            .await
            .gql()?;
        Ok(entries.into_iter().map(StockLedgerEntry).collect())
    }

    /// `_entities` for `Product`: any id resolves; a product never stocked has
    /// zero stock.
    #[graphql(entity)]
    async fn find_product_by_id(&self, id: ID) -> Option<Product> {
        uuid::Uuid::parse_str(&id).ok().map(|id| Product { id })
    }
}
