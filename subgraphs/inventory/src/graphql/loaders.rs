//! Batched lookups: one SQL statement for every key requested while a query
//! resolves.

use std::collections::HashMap;

use async_graphql::ErrorExtensions;
use async_graphql::dataloader::Loader;
use mart_service::{ApiError, Database};
use uuid::Uuid;

use crate::storage::rows::{StockLevelRow, WarehouseRow};
use crate::storage::{stock, warehouses};

fn internal(e: impl Into<ApiError>) -> async_graphql::Error {
    e.into().extend()
}

/// Every stock level of a product (an empty list for a product never stocked).
pub struct StockLoader {
    db: Database,
}

impl StockLoader {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

impl Loader<Uuid> for StockLoader {
    type Value = Vec<StockLevelRow>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut conn = self.db.conn().await.map_err(internal)?;
        let rows = stock::for_products(&mut conn, keys)
            .await
            .map_err(internal)?;
        let mut levels: HashMap<Uuid, Vec<StockLevelRow>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in rows {
            levels.entry(row.product_id).or_default().push(row);
        }
        Ok(levels)
    }
}

pub struct WarehouseLoader {
    db: Database,
}

impl WarehouseLoader {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

impl Loader<Uuid> for WarehouseLoader {
    type Value = WarehouseRow;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, WarehouseRow>, Self::Error> {
        let mut conn = self.db.conn().await.map_err(internal)?;
        let rows = warehouses::by_ids(&mut conn, keys)
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}
