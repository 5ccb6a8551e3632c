//! The shipping subgraph: rates from a rate table (asked by orders at placement
//! and exposed as `Product.shippingEstimate`), and one shipment per confirmed
//! order whose status staff move along; `shipment.shipped` triggers the capture.

pub mod domain;
mod emit;
mod graphql;
pub mod saga;
pub mod storage;

use std::sync::Arc;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use mart_service::{Bootstrap, ServiceConfig, ServiceHandle, ServiceName, StartError, Subgraph};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use domain::{ShipmentStatus, Shipping};

pub const SERVICE: ServiceName = ServiceName::Shipping;

/// `migrations/shipping` (with the rate table), after the shared outbox tables.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/shipping");

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

/// Migrates, starts the saga consumer and serves GraphQL until `shutdown`.
pub async fn start(
    config: &ServiceConfig,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<ServiceHandle, StartError> {
    let mut boot = Bootstrap::start(config, SERVICE, &MIGRATIONS, shutdown).await?;
    let shipping = Shipping::new(boot.db.clone(), boot.outbox.clone());
    boot.consume(
        "saga",
        saga::TOPICS,
        Arc::new(mart_events::consumer::Saga(saga::SagaHandler {
            shipping: shipping.clone(),
        })),
    );
    let routes = boot.graphql_routes(graphql::schema(shipping));
    boot.serve(listener, routes)
}
