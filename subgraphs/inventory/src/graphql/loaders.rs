//! Batched lookups: one SQL statement for every key requested while a query
//! resolves.

use std::collections::HashMap;

use async_graphql::ErrorExtensions;
use async_graphql::dataloader::Loader;
use mart_service::{ApiError, Database};
use uuid::Uuid;

use crate::domain::{StockLevel, Warehouse, reads};

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
    type Value = Vec<StockLevel>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let found = reads::stock_of_products(&self.db, keys)
            .await
            .map_err(internal)?;
        let mut levels: HashMap<Uuid, Vec<StockLevel>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for level in found {
            levels.entry(level.product_id).or_default().push(level);
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
    type Value = Warehouse;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Warehouse>, Self::Error> {
        let found = reads::warehouses_by_ids(&self.db, keys)
            .await
            .map_err(internal)?;
        Ok(found.into_iter().map(|w| (w.id, w)).collect())
    }
}
