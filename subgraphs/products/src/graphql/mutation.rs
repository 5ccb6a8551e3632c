use async_graphql::{Context, ErrorExtensions, ID, Object, Result};

use super::ApiResultExt;
use super::inputs::{CreateCategoryInput, CreateProductInput, UpdateProductInput, parse_id};
use super::types::{Category, Product};
use crate::domain::Catalog;
use mart_service::identity::require_admin;

/// Admin operations: each needs an ADMIN access token (the `admin` scope) and
/// emits its event (`product.created`, `product.updated`, `product.archived`) in
/// the same transaction as the change.
pub struct Mutation;

#[Object]
impl Mutation {
    #[graphql(requires_scopes = "admin")]
    async fn create_product(
        &self,
        ctx: &Context<'_>,
        input: CreateProductInput,
    ) -> Result<Product> {
        require_admin(ctx).map_err(|e| e.extend())?;
        let input = input.into_domain().gql()?;
        let catalog = ctx.data_unchecked::<Catalog>();
        Ok(Product(catalog.create_product(&input).await.gql()?))
    }

    /// Changes the given fields; a change to nothing emits no event.
    #[graphql(requires_scopes = "admin")]
    async fn update_product(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateProductInput,
    ) -> Result<Product> {
        require_admin(ctx).map_err(|e| e.extend())?;
        let id = parse_id("id", &id).gql()?;
        let patch = input.into_domain().gql()?;
        let catalog = ctx.data_unchecked::<Catalog>();
        Ok(Product(catalog.update_product(id, &patch).await.gql()?))
    }

    /// Takes the product off sale; archiving twice is harmless.
    #[graphql(requires_scopes = "admin")]
    async fn archive_product(&self, ctx: &Context<'_>, id: ID) -> Result<Product> {
        require_admin(ctx).map_err(|e| e.extend())?;
        let id = parse_id("id", &id).gql()?;
        let catalog = ctx.data_unchecked::<Catalog>();
        Ok(Product(catalog.archive_product(id).await.gql()?))
    }

    #[graphql(requires_scopes = "admin")]
    async fn create_category(
        &self,
        ctx: &Context<'_>,
        input: CreateCategoryInput,
    ) -> Result<Category> {
        require_admin(ctx).map_err(|e| e.extend())?;
        let catalog = ctx.data_unchecked::<Catalog>();
        Ok(catalog
            .create_category(&input.into_domain())
            .await
            .gql()?
            .into())
    }
}
