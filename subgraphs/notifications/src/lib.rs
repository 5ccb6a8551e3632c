//! The notifications subgraph: every order, payment and shipment event the
//! customer should hear about becomes a notification in Postgres (their
//! history, `User.notifications`), is published on the Redis channel
//! `mart:notifications:<userId>` once committed, and reaches the customer's
//! open `Subscription.notifications` on whichever replica holds it.

pub mod delivery;
pub mod domain;
mod graphql;
pub mod saga;
pub mod storage;

use std::sync::Arc;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use mart_service::{Bootstrap, ServiceConfig, ServiceHandle, ServiceName, StartError, Subgraph};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use delivery::channels::DEFAULT_CHANNEL_PREFIX;
pub use delivery::sender::{LogSender, NotificationSender, SendError, SendFuture};

pub const SERVICE: ServiceName = ServiceName::Notifications;

/// `migrations/notifications`, after the shared outbox tables.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/notifications");

/// This subgraph, as the system's registry (`src/registry.rs`) lists it.
pub const SUBGRAPH: Subgraph = Subgraph {
    name: SERVICE,
    migrations: &MIGRATIONS,
    sdl,
    start: |config, listener, shutdown| Box::pin(start(config, listener, shutdown)),
};

/// The subgraph's Federation v2 SDL (Subscription included), exactly as
/// `{ _service { sdl } }` serves it.
pub fn sdl() -> String {
    graphql::sdl()
}

/// What a test (or an embedding) may change about the service.
pub struct StartOptions {
    /// Prefix of the per-user Redis channels; default [`DEFAULT_CHANNEL_PREFIX`].
    pub channel_prefix: Option<String>,
    /// Where published notifications also go; default: [`LogSender`] only.
    pub senders: Vec<Arc<dyn NotificationSender>>,
}

impl Default for StartOptions {
    fn default() -> Self {
        Self {
            channel_prefix: None,
            senders: vec![Arc::new(LogSender)],
        }
    }
}

pub async fn start(
    config: &ServiceConfig,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<ServiceHandle, StartError> {
    start_with(config, listener, shutdown, StartOptions::default()).await
}

/// Migrates, starts the consumer (group `notify`) and the Redis publisher, and
/// serves GraphQL (HTTP and WebSocket) until `shutdown`. Redis need not be up:
/// live delivery waits for it, history does not.
pub async fn start_with(
    config: &ServiceConfig,
    listener: TcpListener,
    shutdown: CancellationToken,
    options: StartOptions,
) -> Result<ServiceHandle, StartError> {
    let client = delivery::channels::client(&config.redis_url).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("MART_REDIS_URL is not a Redis URL: {e}"),
        )
    })?;
    let redis = delivery::channels::Redis {
        client,
        channel_prefix: options
            .channel_prefix
            .unwrap_or_else(|| DEFAULT_CHANNEL_PREFIX.to_string()),
    };
    let mut boot = Bootstrap::start(config, SERVICE, &MIGRATIONS, shutdown).await?;
    let signal = delivery::publisher::PublishSignal::new();
    boot.consume(
        saga::GROUP,
        saga::TOPICS,
        Arc::new(mart_events::consumer::Saga(saga::NotifyHandler {
            publish: signal.clone(),
        })),
    );
    let publisher = delivery::publisher::Publisher {
        db: boot.db.clone(),
        redis: redis.clone(),
        signal,
        senders: options.senders,
    };
    boot.spawn(publisher.run(boot.shutdown.clone()));

    let service = graphql::Service {
        inbox: domain::Inbox::new(boot.db.clone()),
        live: delivery::live::Live {
            db: boot.db.clone(),
            hub: delivery::hub::Hub::start(redis, boot.shutdown.clone()),
        },
    };
    let routes = mart_service::subscriptions::routes(
        graphql::schema(service),
        boot.verifier(),
        boot.shutdown.clone(),
    );
    boot.serve(listener, routes)
}
