//! Output types: thin wrappers over the domain's values.

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};
use mart_service::ApiError;
use uuid::Uuid;

use super::ApiResultExt;
use super::loaders::{StockLoader, WarehouseLoader};
use crate::domain;

/// The catalogue's product (owned by the products subgraph), seen from stock.
pub struct Product {
    pub id: Uuid,
}

#[Object]
impl Product {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// Stock over every warehouse.
    async fn stock(&self, ctx: &Context<'_>) -> Result<StockInfo> {
        let loader = ctx.data_unchecked::<DataLoader<StockLoader>>();
        let levels = loader.load_one(self.id).await?.unwrap_or_default();
        Ok(StockInfo { levels })
    }
}

pub struct StockInfo {
    levels: Vec<domain::StockLevel>,
}

fn saturating_sum(values: impl Iterator<Item = i32>) -> i32 {
    let sum: i64 = values.map(i64::from).sum();
    i32::try_from(sum).unwrap_or(i32::MAX)
}

#[Object]
impl StockInfo {
    /// Units physically in the warehouses.
    async fn on_hand(&self) -> i32 {
        saturating_sum(self.levels.iter().map(|l| l.on_hand))
    }

    /// Units held for orders not yet paid.
    async fn reserved(&self) -> i32 {
        saturating_sum(self.levels.iter().map(|l| l.reserved))
    }

    /// Units that can still be ordered: on hand minus reserved, never negative.
    async fn available(&self) -> i32 {
        saturating_sum(self.levels.iter().map(domain::StockLevel::available))
    }

    async fn in_stock(&self) -> bool {
        self.levels.iter().any(|l| l.available() > 0)
    }

    /// Per warehouse, for warehouses that ever held the product.
    async fn by_warehouse(&self) -> Vec<StockLevel> {
        self.levels.iter().cloned().map(StockLevel).collect()
    }
}

pub struct StockLevel(pub domain::StockLevel);

#[Object]
impl StockLevel {
    async fn product(&self) -> Product {
        Product {
            id: self.0.product_id,
        }
    }

    async fn warehouse(&self, ctx: &Context<'_>) -> Result<Warehouse> {
        load_warehouse(ctx, self.0.warehouse_id).await
    }

    async fn on_hand(&self) -> i32 {
        self.0.on_hand
    }

    async fn reserved(&self) -> i32 {
        self.0.reserved
    }

    async fn available(&self) -> i32 {
        self.0.available()
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

async fn load_warehouse(ctx: &Context<'_>, id: Uuid) -> Result<Warehouse> {
    let loader = ctx.data_unchecked::<DataLoader<WarehouseLoader>>();
    let warehouse = loader.load_one(id).await?;
    warehouse
        .map(Warehouse)
        .ok_or_else(|| ApiError::internal(format!("stock refers to missing warehouse {id}")))
        .gql()
}

pub struct Warehouse(pub domain::Warehouse);

#[Object]
impl Warehouse {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Short unique code, e.g. `AMS-1`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "StockLedgerKind", remote = "domain::LedgerKind")]
pub enum LedgerEntryKind {
    Adjustment,
    Reservation,
    Release,
    Sale,
}

/// One change to a stock level; entries are never edited.
pub struct StockLedgerEntry(pub domain::LedgerEntry);

#[Object]
impl StockLedgerEntry {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn product(&self) -> Product {
        Product {
            id: self.0.product_id,
        }
    }

    async fn warehouse(&self, ctx: &Context<'_>) -> Result<Warehouse> {
        load_warehouse(ctx, self.0.warehouse_id).await
    }

    async fn kind(&self) -> LedgerEntryKind {
        self.0.kind.into()
    }

    async fn on_hand_delta(&self) -> i32 {
        self.0.on_hand_delta
    }

    async fn reserved_delta(&self) -> i32 {
        self.0.reserved_delta
    }

    /// The order a reservation, release or sale belongs to.
    async fn order_id(&self) -> Option<ID> {
        self.0.order_id.map(|id| ID(id.to_string()))
    }

    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
