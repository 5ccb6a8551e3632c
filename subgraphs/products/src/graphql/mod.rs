//! The GraphQL face of the catalogue: thin types over domain values, resolvers
//! that call [`crate::domain::Catalog`], and DataLoaders for batched lookups.

mod inputs;
mod listing;
mod loaders;
mod mutation;
mod query;
mod types;

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptySubscription, SDLExportOptions, Schema, SchemaBuilder};
use mart_service::{ApiError, DbError};

use crate::domain::{Catalog, ProductsError};
pub use mutation::Mutation;
pub use query::Query;

pub type ProductsSchema = Schema<Query, Mutation, EmptySubscription>;

impl From<ProductsError> for ApiError {
    fn from(e: ProductsError) -> Self {
        match e {
            ProductsError::BadInput { field, message } => ApiError::bad_input(field, message),
            ProductsError::NoProduct(_) | ProductsError::NoCategory(_) => {
                ApiError::NotFound(e.to_string())
            }
            ProductsError::SkuTaken(_)
            | ProductsError::SlugTaken(_)
            | ProductsError::CategorySlugTaken(_) => ApiError::Conflict(e.to_string()),
            // diesel's NotFound stays NOT_FOUND; other database errors are internal
            // or SERVICE_UNAVAILABLE.
            ProductsError::Storage(DbError::Query(e)) => e.into(),
            ProductsError::Storage(e) => e.into(),
        }
    }
}

/// Queries nest products in categories and back; deeper than this is abuse.
const MAX_DEPTH: usize = 12;

/// The schema's shape, without the data resolvers need: what `sdl()` exports and
/// what [`schema`] serves are built from this one place.
pub fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    mart_service::graphql::harden(
        Schema::build(Query, Mutation, EmptySubscription).enable_federation(),
        MAX_DEPTH,
    )
}

pub fn schema(catalog: Catalog) -> ProductsSchema {
    builder()
        .data(DataLoader::new(
            loaders::ProductLoader::new(catalog.clone()),
            tokio::spawn,
        ))
        .data(DataLoader::new(
            loaders::CategoryLoader::new(catalog.clone()),
            tokio::spawn,
        ))
        .data(catalog)
        .finish()
}

/// What `{ _service { sdl } }` answers.
pub fn sdl() -> String {
    builder()
        .finish()
        .sdl_with_options(SDLExportOptions::new().federation().compose_directive())
}

use mart_service::ApiResultExt;
