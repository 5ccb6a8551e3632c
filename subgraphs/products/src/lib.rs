//! The products subgraph: the catalogue of products and categories.
//!
//! `Product` is an entity with two keys (`id` and `sku`); other subgraphs extend
//! it. Every change emits `product.created`, `product.updated` or
//! `product.archived` through the transactional outbox.

pub mod domain;
mod emit;
mod graphql;
mod seed;
pub mod storage;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use mart_service::{Bootstrap, ServiceConfig, ServiceHandle, ServiceName, StartError, Subgraph};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use seed::{product_id as seed_product_id, seed};

pub const SERVICE: ServiceName = ServiceName::Products;

/// `migrations/products`, applied after the shared outbox tables.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/products");

/// This subgraph, as the system's registry (`src/registry.rs`) lists it.
pub const SUBGRAPH: Subgraph = Subgraph {
    name: SERVICE,
    migrations: &MIGRATIONS,
    sdl,
    start: |config, listener, shutdown| Box::pin(start(config, listener, shutdown)),
};

/// The subgraph's Federation v2 SDL, exactly as `{ _service { sdl } }` serves it.
pub fn sdl() -> String {
    graphql::sdl()
}

/// Migrates the database, starts the outbox relay and serves GraphQL on
/// `listener` until `shutdown`.
pub async fn start(
    config: &ServiceConfig,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<ServiceHandle, StartError> {
    let boot = Bootstrap::start(config, SERVICE, &MIGRATIONS, shutdown).await?;
    let catalog = domain::Catalog::new(boot.db.clone(), boot.outbox.clone());
    let schema = graphql::schema(catalog);
    let routes = boot.graphql_routes(schema);
    boot.serve(listener, routes)
}
