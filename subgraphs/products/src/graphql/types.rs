//! Output types: thin wrappers over the domain's values.

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::loaders::CategoryLoader;
pub use mart_service::types::Money;
use mart_service::types::Node;

use super::listing::ProductConnection;
use crate::domain::{self, ListRequest};

pub struct Product(pub domain::Product);

#[Object]
impl Product {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Stock-keeping unit: unique, never changes; the second entity key.
    async fn sku(&self) -> &str {
        &self.0.sku
    }

    /// Unique, URL-safe name.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn description(&self) -> &str {
        &self.0.description
    }

    async fn price(&self) -> Money {
        Money {
            amount_minor: self.0.price.amount_minor,
            currency: self.0.price.currency.clone(),
        }
    }

    async fn weight_grams(&self) -> i32 {
        self.0.weight_grams
    }

    /// Unknown for products nobody measured.
    async fn dimensions(&self) -> Option<Dimensions> {
        self.0.dimensions.map(|d| Dimensions {
            length_mm: d.length_mm,
            width_mm: d.width_mm,
            height_mm: d.height_mm,
        })
    }

    async fn category(&self, ctx: &Context<'_>) -> Result<Option<Category>> {
        let Some(id) = self.0.category_id else {
            return Ok(None);
        };
        let loader = ctx.data_unchecked::<DataLoader<CategoryLoader>>();
        Ok(loader.load_one(id).await?.map(Category))
    }

    async fn status(&self) -> ProductStatus {
        self.0.status.into()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

#[derive(SimpleObject)]
pub struct Dimensions {
    pub length_mm: i32,
    pub width_mm: i32,
    pub height_mm: i32,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::ProductStatus")]
pub enum ProductStatus {
    /// For sale.
    Active,
    /// No longer sold; kept for orders that refer to it.
    Archived,
}

pub struct Category(pub domain::Category);

#[Object]
impl Category {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn slug(&self) -> &str {
        &self.0.slug
    }

    async fn description(&self) -> &str {
        &self.0.description
    }

    /// Active products of this category, oldest first.
    async fn products(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ProductConnection> {
        let request = ListRequest {
            category_id: Some(self.0.id),
            first,
            after,
            ..Default::default()
        };
        ProductConnection::list(ctx, &request).await
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

impl Node for Product {
    const NAME: &'static str = "Product";
}
