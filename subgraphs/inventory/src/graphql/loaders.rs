//! Batched lookups: one SQL statement for every key requested while a query
//! resolves.

use std::collections::HashMap;

use async_graphql::ErrorExtensions;
use async_graphql::dataloader::Loader;
use mart_service::{ApiError, Database};
use uuid::Uuid;

use crate::domain::reads;
use crate::storage::rows::{StockLevelRow, WarehouseRow};

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
        let rows = reads::stock_of_products(&self.db, keys)
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
        let rows = reads::warehouses_by_ids(&self.db, keys)
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}
