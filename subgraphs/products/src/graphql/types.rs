//! Output types: thin wrappers over the domain's values.

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Enum, ErrorExtensions, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use mart_service::ApiError;
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::loaders::CategoryLoader;
pub use mart_service::types::Money;
use mart_service::types::Node;

use super::listing::ProductConnection;
use crate::domain::{self, ListRequest, ProductsError};

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

    async fn category(&self) -> Option<Category> {
        // The foreign key guarantees the category exists: its row is read only if a
        // field other than `id` is asked for (`category { id }` is what orders asks).
        self.0.category_id.map(Category::by_id)
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

/// A category, read from the database only when a field besides `id` is asked
/// for: a product's `category { id }` costs no lookup.
pub struct Category {
    id: Uuid,
    row: OnceCell<domain::Category>,
}

impl Category {
    /// A category known to exist (a product's foreign key names it).
    pub fn by_id(id: Uuid) -> Self {
        Self {
            id,
            row: OnceCell::new(),
        }
    }

    async fn row(&self, ctx: &Context<'_>) -> Result<&domain::Category> {
        self.row
            .get_or_try_init(|| async {
                let loader = ctx.data_unchecked::<DataLoader<CategoryLoader>>();
                loader.load_one(self.id).await?.ok_or_else(|| {
                    // Only if the category was deleted since its product was read.
                    ApiError::from(ProductsError::NoCategory(Some(self.id))).extend()
                })
            })
            .await
    }
}

impl From<domain::Category> for Category {
    fn from(row: domain::Category) -> Self {
        Self {
            id: row.id,
            row: OnceCell::new_with(Some(row)),
        }
    }
}

#[Object]
impl Category {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    async fn name(&self, ctx: &Context<'_>) -> Result<&str> {
        Ok(&self.row(ctx).await?.name)
    }

    async fn slug(&self, ctx: &Context<'_>) -> Result<&str> {
        Ok(&self.row(ctx).await?.slug)
    }

    async fn description(&self, ctx: &Context<'_>) -> Result<&str> {
        Ok(&self.row(ctx).await?.description)
    }

    /// Active products of this category, oldest first.
    async fn products(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ProductConnection> {
        let request = ListRequest {
            category_id: Some(self.id),
            first,
            after,
            ..Default::default()
        };
        ProductConnection::list(ctx, &request).await
    }

    async fn created_at(&self, ctx: &Context<'_>) -> Result<DateTime<Utc>> {
        Ok(self.row(ctx).await?.created_at)
    }
}

impl Node for Product {
    const NAME: &'static str = "Product";
}
