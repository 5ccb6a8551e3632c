//! The GraphQL face of the catalogue: thin types over storage rows, resolvers
//! that call [`crate::domain::Catalog`], and DataLoaders for batched lookups.

mod inputs;
mod loaders;
mod mutation;
mod query;
mod types;

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptySubscription, SDLExportOptions, Schema, SchemaBuilder};

use crate::domain::Catalog;
pub use mutation::Mutation;
pub use query::Query;

pub type ProductsSchema = Schema<Query, Mutation, EmptySubscription>;

/// Queries nest products in categories and back; deeper than this is abuse.
const MAX_DEPTH: usize = 12;

/// The schema's shape, without the data resolvers need: what `sdl()` exports and
/// what [`schema`] serves are built from this one place.
pub fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query, Mutation, EmptySubscription)
        .enable_federation()
        .limit_depth(MAX_DEPTH)
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
