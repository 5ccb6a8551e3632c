//! What crosses a service boundary as an event, defined once: the envelope, the
//! typed events of every service, the transactional outbox that publishes them to
//! Kafka, and the idempotent consumer that applies them.

pub mod catalog;
pub mod consumer;
pub mod envelope;
pub mod kafka;
pub mod outbox;
pub mod prepared;
pub mod relay;
mod schema;
pub mod topics;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};

pub use catalog::DomainEvent;
pub use consumer::{ConsumerSettings, EventHandler, HandlerError, Urgency, run_consumer};
pub use envelope::EventEnvelope;
pub use outbox::{OutboxSignal, enqueue};
pub use relay::OutboxRelay;
pub use topics::Topic;

/// The outbox and processed-event tables, applied to every service's database.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/outbox");
