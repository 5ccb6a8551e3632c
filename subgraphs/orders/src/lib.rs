//! The orders subgraph: placing orders and following them through the saga.
//!
//! At placement it asks the products subgraph for prices, weights and status,
//! the shipping subgraph for the rate and, for a saved address, the users
//! subgraph (with the caller's token), synchronously (timeout, retries, circuit
//! breaker), and freezes them into the order. From then on the order moves only
//! through events: `inventory.*`, `payment.*` and `shipment.*` drive the status
//! state machine, and every change emits `order.status_changed`, which every
//! instance follows to serve the status subscriptions over WebSocket.

pub mod domain;
mod emit;
mod graphql;
pub mod live;
pub mod outcomes;
pub mod saga;
pub mod storage;
pub mod upstream;

use std::sync::Arc;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use mart_events::consumer::{Saga, Unhurried};
use mart_service::{Bootstrap, ServiceConfig, ServiceHandle, ServiceName, StartError, Subgraph};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use domain::{Dependencies, Orders, OrdersSettings};

pub const SERVICE: ServiceName = ServiceName::Orders;

/// `migrations/orders`, applied after the shared outbox tables.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/orders");

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

/// What a test (or an embedding) may change about the service.
#[derive(Default)]
pub struct StartOptions {
    pub settings: OrdersSettings,
}

/// Migrates, starts the saga consumer and the reservation timeout, and serves
/// GraphQL on `listener` until `shutdown`.
pub async fn start(
    config: &ServiceConfig,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<ServiceHandle, StartError> {
    start_with(config, listener, shutdown, StartOptions::default()).await
}

pub async fn start_with(
    config: &ServiceConfig,
    listener: TcpListener,
    shutdown: CancellationToken,
    options: StartOptions,
) -> Result<ServiceHandle, StartError> {
    let mut boot = Bootstrap::start(config, SERVICE, &MIGRATIONS, shutdown).await?;
    let outcomes = outcomes::SagaOutcomes::new(&boot.metrics);
    let orders = Orders::new(
        boot.db.clone(),
        boot.outbox.clone(),
        Dependencies {
            products_url: config.graphql_url(ServiceName::Products),
            shipping_url: config.graphql_url(ServiceName::Shipping),
            users_url: config.graphql_url(ServiceName::Users),
            signer: config.request_signer.clone(),
            seal: mart_service::payment_token::TokenSeal::load(config)?,
            outcomes: outcomes.clone(),
        },
        options.settings,
    );
    let handler = || saga::SagaHandler {
        reservation_ttl: chrono::Duration::from_std(orders.settings().reservation_ttl)
            .unwrap_or(chrono::Duration::MAX),
        outcomes: outcomes.clone(),
    };
    boot.consume("saga", saga::TOPICS, Arc::new(Saga(handler())));
    boot.consume(
        "shipments",
        saga::SHIPMENT_TOPICS,
        Arc::new(Unhurried(Saga(handler()))),
    );
    boot.spawn(orders.clone().run_expiry(boot.shutdown.clone()));
    // Every instance its own group: each must see every status change.
    let live_group = config.prefixed(&format!("{SERVICE}.live.{}", uuid::Uuid::new_v4()));
    let tap = live::Tap::connect(
        &config.kafka_brokers,
        &live_group,
        live::topic(&config.topic_prefix),
    )
    .await
    .map_err(|e| StartError::Kafka {
        brokers: config.kafka_brokers.clone(),
        reason: e.to_string(),
    })?;
    let settings = orders.settings();
    let feed = live::StatusFeed::new(settings.live_buffer, tap);
    boot.spawn(live::run(
        feed.clone(),
        settings.live_idle_pause,
        boot.shutdown.clone(),
    ));
    let routes = mart_service::subscriptions::routes(
        graphql::schema(orders, feed),
        boot.verifier(),
        boot.shutdown.clone(),
    );
    boot.serve(listener, routes)
}
