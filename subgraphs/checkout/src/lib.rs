//! The checkout subgraph: carts for guests and customers, priced live by the products
//! subgraph (one `_entities` call per cart read), with tax at the rates staff keep and
//! shipping from the shipping subgraph once the cart has an address; merged at sign-in,
//! expired when left untouched.

pub mod domain;
mod graphql;
pub mod orders;
mod saga;
mod seed;
pub mod stock;
pub mod storage;

use std::sync::Arc;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use mart_service::upstream::{
    CallPolicy, GraphqlClient, ProductsClient, ShippingClient, UsersClient,
};
use mart_service::{Bootstrap, ServiceConfig, ServiceHandle, ServiceName, StartError, Subgraph};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use domain::{CartSettings, Carts, Services};
pub use seed::seed_demo;

pub const SERVICE: ServiceName = ServiceName::Checkout;

/// `migrations/checkout`, after the shared outbox tables.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/checkout");

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

/// Migrates, starts the sweep of expired carts and serves GraphQL until `shutdown`.
pub async fn start(
    config: &ServiceConfig,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<ServiceHandle, StartError> {
    let mut boot = Bootstrap::start(config, SERVICE, &MIGRATIONS, shutdown).await?;
    let client = |service| GraphqlClient::to(config, service, CallPolicy::default());
    let services = Services {
        products: ProductsClient(client(ServiceName::Products)),
        shipping: ShippingClient(client(ServiceName::Shipping)),
        inventory: stock::InventoryClient(client(ServiceName::Inventory)),
        users: UsersClient(client(ServiceName::Users)),
        orders: orders::OrdersClient(client(ServiceName::Orders)),
        outbox: boot.outbox.clone(),
        seal: mart_service::payment_token::TokenSeal::load(config)?,
    };
    let settings = CartSettings {
        ttl: config.cart_ttl,
        ..CartSettings::default()
    };
    let carts = Carts::new(boot.db.clone(), services, settings);
    boot.spawn(carts.clone().run_expiry(boot.shutdown.clone()));
    boot.consume(
        "saga",
        saga::TOPICS,
        Arc::new(mart_events::consumer::Saga(saga::SagaHandler)),
    );
    let routes = boot.graphql_routes(graphql::schema(carts));
    boot.serve(listener, routes)
}
