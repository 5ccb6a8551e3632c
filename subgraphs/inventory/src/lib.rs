//! The inventory subgraph: stock per product and warehouse, an append-only
//! ledger of every change, and reservations that hold stock for orders.
//!
//! It extends the products subgraph's `Product` entity with `stock`. The
//! reservation operations are plain functions in [`domain::reservations`], for
//! the order saga to drive.

pub mod domain;
mod emit;
mod expiry;
mod graphql;
mod saga;
mod seed;
pub mod storage;

use std::sync::Arc;
use std::time::Duration;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use mart_events::consumer::Saga;
use mart_service::{Bootstrap, ServiceConfig, ServiceHandle, ServiceName, StartError, Subgraph};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use seed::{SeedError, SeedOutcome, WAREHOUSES, initial_quantity, seed, warehouse_id};

pub const SERVICE: ServiceName = ServiceName::Inventory;

/// `migrations/inventory`, applied after the shared outbox tables.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/inventory");

/// This subgraph, as the system's registry (`src/registry.rs`) lists it.
pub const SUBGRAPH: Subgraph = Subgraph {
    name: SERVICE,
    migrations: &MIGRATIONS,
    sdl,
    start: |config, listener, shutdown| Box::pin(start(config, listener, shutdown)),
};

/// Tuning of the running service.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How often reservations past their expiry are released. Default 5 s.
    pub expiry_interval: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            expiry_interval: Duration::from_secs(5),
        }
    }
}

/// The subgraph's Federation v2 SDL, exactly as `{ _service { sdl } }` serves it.
pub fn sdl() -> String {
    graphql::sdl()
}

/// [`start_with`] the default [`Settings`].
pub async fn start(
    config: &ServiceConfig,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<ServiceHandle, StartError> {
    start_with(config, listener, shutdown, Settings::default()).await
}

/// Migrates the database, starts the outbox relay and the reservation expiry
/// task, and serves GraphQL on `listener` until `shutdown`.
pub async fn start_with(
    config: &ServiceConfig,
    listener: TcpListener,
    shutdown: CancellationToken,
    settings: Settings,
) -> Result<ServiceHandle, StartError> {
    let mut boot = Bootstrap::start(config, SERVICE, &MIGRATIONS, shutdown).await?;
    boot.consume("saga", saga::TOPICS, Arc::new(Saga(saga::SagaHandler)));
    boot.spawn(expiry::run(
        boot.db.clone(),
        boot.outbox.clone(),
        settings.expiry_interval,
        boot.shutdown.clone(),
    ));
    let services = graphql::Services {
        db: boot.db.clone(),
        outbox: boot.outbox.clone(),
    };
    let schema = graphql::schema(services);
    let routes = boot.graphql_routes(schema);
    boot.serve(listener, routes)
}
