use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ID, Object, Result};
use mart_service::ApiError;

use super::ApiResultExt;
use super::inputs::{ProductFilter, ProductSort, parse_id};
use super::listing::ProductConnection;
use super::loaders::{CategoryLoader, ProductKey, ProductLoader};
use super::types::{Category, Product};
use crate::domain::Catalog;
use crate::domain::ProductLookup;

pub struct Query;

#[Object]
impl Query {
    /// One product by exactly one of `id`, `sku` or `slug`; archived ones included.
    async fn product(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        sku: Option<String>,
        slug: Option<String>,
    ) -> Result<Option<Product>> {
        let lookup = match (id, sku, slug) {
            (Some(id), None, None) => ProductLookup::Id(parse_id("id", &id).gql()?),
            (None, Some(sku), None) => ProductLookup::Sku(sku),
            (None, None, Some(slug)) => ProductLookup::Slug(slug),
            _ => {
                return Err(ApiError::bad_input(
                    "id",
                    "give exactly one of id, sku or slug",
                ))
                .gql();
            }
        };
        let catalog = ctx.data_unchecked::<Catalog>();
        Ok(catalog.product(&lookup).await.gql()?.map(Product))
    }

    /// Products matching `filter` (active ones when it names no status) in `sort`
    /// order (by relevance when searching, else oldest first), a page at a time:
    /// `first` (1 to 100, default 20) after the cursor `after`, which must come from
    /// a listing in the same order.
    async fn products(
        &self,
        ctx: &Context<'_>,
        filter: Option<ProductFilter>,
        sort: Option<ProductSort>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ProductConnection> {
        let request = filter
            .unwrap_or_default()
            .into_request(sort, first, after)
            .gql()?;
        ProductConnection::list(ctx, &request).await
    }

    /// Every category, by name.
    async fn categories(&self, ctx: &Context<'_>) -> Result<Vec<Category>> {
        let categories = ctx.data_unchecked::<Catalog>().categories().await.gql()?;
        Ok(categories.into_iter().map(Category::from).collect())
    }

    /// One category by exactly one of `id` or `slug`.
    async fn category(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> Result<Option<Category>> {
        match (id, slug) {
            (Some(id), None) => {
                let id = parse_id("id", &id).gql()?;
                let loader = ctx.data_unchecked::<DataLoader<CategoryLoader>>();
                Ok(loader.load_one(id).await?.map(Category::from))
            }
            (None, Some(slug)) => {
                let catalog = ctx.data_unchecked::<Catalog>();
                Ok(catalog
                    .category_by_slug(&slug)
                    .await
                    .gql()?
                    .map(Category::from))
            }
            _ => Err(ApiError::bad_input("id", "give exactly one of id or slug")).gql(),
        }
    }

    /// `_entities` by `id`: batched with the sku lookups of the same request.
    #[graphql(entity)]
    async fn find_product_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Product>> {
        let Ok(id) = uuid::Uuid::parse_str(&id) else {
            return Ok(None);
        };
        let loader = ctx.data_unchecked::<DataLoader<ProductLoader>>();
        Ok(loader.load_one(ProductKey::Id(id)).await?.map(Product))
    }

    /// `_entities` by `sku`.
    #[graphql(entity)]
    async fn find_product_by_sku(&self, ctx: &Context<'_>, sku: String) -> Result<Option<Product>> {
        let loader = ctx.data_unchecked::<DataLoader<ProductLoader>>();
        Ok(loader.load_one(ProductKey::Sku(sku)).await?.map(Product))
    }
}
