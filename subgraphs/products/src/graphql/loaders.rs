//! Batched lookups: every key requested while a query resolves is fetched in one
//! SQL statement.

use std::collections::{HashMap, HashSet};

use async_graphql::ErrorExtensions;
use async_graphql::dataloader::Loader;
use mart_service::ApiError;
use uuid::Uuid;

use crate::domain::{Catalog, Category, Product};

/// The two entity keys of `Product`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProductKey {
    Id(Uuid),
    Sku(String),
}

pub struct ProductLoader {
    catalog: Catalog,
}

impl ProductLoader {
    pub fn new(catalog: Catalog) -> Self {
        Self { catalog }
    }
}

impl Loader<ProductKey> for ProductLoader {
    type Value = Product;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ProductKey]) -> Result<HashMap<ProductKey, Product>, Self::Error> {
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
        let products = self
            .catalog
            .products_by_keys(&id_list, &sku_list)
            .await
            .map_err(|e| ApiError::from(e).extend())?;
        let mut found = HashMap::with_capacity(keys.len());
        for product in products {
            if skus.contains(&product.sku) {
                found.insert(ProductKey::Sku(product.sku.clone()), product.clone());
            }
            if ids.contains(&product.id) {
                found.insert(ProductKey::Id(product.id), product);
            }
        }
        Ok(found)
    }
}

pub struct CategoryLoader {
    catalog: Catalog,
}

impl CategoryLoader {
    pub fn new(catalog: Catalog) -> Self {
        Self { catalog }
    }
}

impl Loader<Uuid> for CategoryLoader {
    type Value = Category;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Category>, Self::Error> {
        let categories = self
            .catalog
            .categories_by_ids(keys)
            .await
            .map_err(|e| ApiError::from(e).extend())?;
        Ok(categories.into_iter().map(|c| (c.id, c)).collect())
    }
}
