//! The payments subgraph: one payment per order, driven by the saga. It keeps
//! the amount from `order.placed`, authorizes once `inventory.reserved` arrives
//! (whichever comes first), voids on `order.cancelled`, captures on
//! `shipment.shipped`; staff refund. The card processor sits behind the
//! [`provider::PaymentProvider`] port; the built-in adapter is a test mode.

pub mod domain;
mod emit;
mod graphql;
pub mod provider;
pub mod saga;
pub mod storage;

use std::sync::Arc;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use mart_events::consumer::{Saga, Unhurried};
use mart_service::{Bootstrap, ServiceConfig, ServiceHandle, ServiceName, StartError, Subgraph};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use domain::{Payments, PaymentsSettings};
pub use provider::{PaymentProvider, TestModeProvider};

pub const SERVICE: ServiceName = ServiceName::Payments;

/// `migrations/payments`, applied after the shared outbox tables.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/payments");

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
    pub settings: PaymentsSettings,
    /// The card processor; default: the in-memory test mode.
    pub provider: Option<Arc<dyn PaymentProvider>>,
}

pub async fn start(
    config: &ServiceConfig,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<ServiceHandle, StartError> {
    start_with(config, listener, shutdown, StartOptions::default()).await
}

/// Migrates, starts the saga consumer and serves GraphQL until `shutdown`.
pub async fn start_with(
    config: &ServiceConfig,
    listener: TcpListener,
    shutdown: CancellationToken,
    options: StartOptions,
) -> Result<ServiceHandle, StartError> {
    let mut boot = Bootstrap::start(config, SERVICE, &MIGRATIONS, shutdown).await?;
    let provider = options
        .provider
        .unwrap_or_else(|| Arc::new(TestModeProvider::new()));
    let payments = Payments::new(
        boot.db.clone(),
        boot.outbox.clone(),
        provider,
        options.settings,
        mart_service::payment_token::TokenSeal::load(config)?,
    );
    let handler = || {
        Saga(saga::SagaHandler {
            payments: payments.clone(),
        })
    };
    boot.consume("saga", saga::TOPICS, Arc::new(handler()));
    boot.consume(
        "shipments",
        saga::SHIPMENT_TOPICS,
        Arc::new(Unhurried(handler())),
    );
    let routes = boot.graphql_routes(graphql::schema(payments));
    boot.serve(listener, routes)
}
