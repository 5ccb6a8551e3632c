//! Batched lookups: every key requested while a query resolves is fetched in one
//! SQL statement.

use std::collections::{HashMap, HashSet};

use async_graphql::ErrorExtensions;
use async_graphql::dataloader::Loader;
use mart_service::{ApiError, Database};
use uuid::Uuid;

use crate::storage::rows::{CategoryRow, ProductRow};
use crate::storage::{categories, products};

/// The two entity keys of `Product`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProductKey {
    Id(Uuid),
    Sku(String),
}

pub struct ProductLoader {
    db: Database,
}

impl ProductLoader {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

impl Loader<ProductKey> for ProductLoader {
    type Value = ProductRow;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[ProductKey],
    ) -> Result<HashMap<ProductKey, ProductRow>, Self::Error> {
        let mut ids = HashSet::new();
        let mut skus = HashSet::new();
        for key in keys {
            match key {
                ProductKey::Id(id) => ids.insert(*id),
                ProductKey::Sku(sku) => skus.insert(sku.clone()),
            };
        }
        let id_list: Vec<Uuid> = ids.iter().copied().collect();
        let sku_list: Vec<String> = skus.iter().cloned().collect();
        let mut conn = self
            .db
            .conn()
            .await
            .map_err(|e| ApiError::from(e).extend())?;
        let rows = products::load_by_keys(&mut conn, &id_list, &sku_list)
            .await
            .map_err(|e| ApiError::from(e).extend())?;
        let mut found = HashMap::with_capacity(keys.len());
        for row in rows {
            if skus.contains(&row.sku) {
                found.insert(ProductKey::Sku(row.sku.clone()), row.clone());
            }
            if ids.contains(&row.id) {
                found.insert(ProductKey::Id(row.id), row);
            }
        }
        Ok(found)
    }
}

pub struct CategoryLoader {
    db: Database,
}

impl CategoryLoader {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

impl Loader<Uuid> for CategoryLoader {
    type Value = CategoryRow;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, CategoryRow>, Self::Error> {
        let mut conn = self
            .db
            .conn()
            .await
            .map_err(|e| ApiError::from(e).extend())?;
        let rows = categories::by_ids(&mut conn, keys)
            .await
            .map_err(|e| ApiError::from(e).extend())?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}
