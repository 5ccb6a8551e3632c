//! The GraphQL face of inventory: stock on the `Product` entity, warehouses,
//! the ledger, and the admin `adjustStock`.

mod loaders;
mod mutation;
mod query;
mod types;

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptySubscription, SDLExportOptions, Schema, SchemaBuilder};
use mart_events::OutboxSignal;
use mart_service::{ApiError, Database, DbError};

use crate::domain::InventoryError;

pub use mutation::Mutation;
pub use query::Query;

pub type InventorySchema = Schema<Query, Mutation, EmptySubscription>;

impl From<InventoryError> for ApiError {
    fn from(e: InventoryError) -> Self {
        match e {
            InventoryError::BadInput { field, message } => ApiError::bad_input(field, message),
            InventoryError::UnknownWarehouse(_) => ApiError::NotFound(e.to_string()),
            InventoryError::CodeTaken(_) => ApiError::Conflict(e.to_string()),
            InventoryError::BelowZero { .. } => ApiError::bad_input("delta", e.to_string()),
            // diesel's NotFound stays NOT_FOUND; other database errors are internal
            // or SERVICE_UNAVAILABLE.
            InventoryError::Storage(DbError::Query(e)) => e.into(),
            InventoryError::Storage(e) => e.into(),
        }
    }
}

const MAX_DEPTH: usize = 12;

/// What resolvers reach through the context.
#[derive(Clone)]
pub struct Services {
    pub db: Database,
    pub outbox: OutboxSignal,
}

/// The schema's shape; `sdl()` and the served schema are both built from it.
pub fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    mart_service::graphql::harden(
        Schema::build(Query, Mutation, EmptySubscription).enable_federation(),
        MAX_DEPTH,
    )
}

pub fn schema(services: Services) -> InventorySchema {
    let db = services.db.clone();
    builder()
        .data(DataLoader::new(
            loaders::StockLoader::new(db.clone()),
            tokio::spawn,
        ))
        .data(DataLoader::new(
            loaders::WarehouseLoader::new(db),
            tokio::spawn,
        ))
        .data(services)
        .finish()
}

/// What `{ _service { sdl } }` answers.
pub fn sdl() -> String {
    builder()
        .finish()
        .sdl_with_options(SDLExportOptions::new().federation().compose_directive())
}

use mart_service::ApiResultExt;

use mart_service::types::parse_id;
