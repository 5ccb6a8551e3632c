//! What crosses a service boundary as an event, defined once: the envelope, the
//! typed events of every service, the transactional outbox that publishes them to
//! Kafka, and the idempotent consumer that applies them.

mod backoff;
pub mod catalog;
pub mod consumer;
pub mod dead_letter;
pub mod envelope;
pub mod health;
pub mod kafka;
pub mod layout;
pub mod outbox;
pub mod prepared;
pub mod relay;
pub mod retention;
mod schema;
pub mod topics;
pub mod trace;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};

pub use catalog::DomainEvent;
pub use consumer::{ConsumerSettings, EventHandler, HandlerError, Urgency, run_consumer};
pub use envelope::EventEnvelope;
pub use health::{ConsumerHealth, PipelineHealth};
pub use layout::TopicLayout;
pub use outbox::{OutboxSignal, enqueue};
pub use relay::OutboxRelay;
pub use topics::Topic;

/// The outbox and processed-event tables, applied to every service's database.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/outbox");
