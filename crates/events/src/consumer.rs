//! Applying events exactly once in effect: the event id is recorded in the same
//! transaction as the handler's changes, so a redelivered event changes nothing.
//! The Kafka offset is committed only after that transaction, so a crash in
//! between means redelivery, never loss.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rdkafka::ClientConfig;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use tokio_util::sync::CancellationToken;

use crate::envelope::EventEnvelope;
use crate::outbox::OutboxSignal;
use crate::schema::processed_events;

pub type HandlerFuture<'a> = Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + 'a>>;

/// Business reaction to events. Runs inside the transaction that records the event
/// as processed: write through `conn`, and enqueue follow-up events in the outbox
/// on the same `conn`.
pub trait EventHandler: Send + Sync + 'static {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a EventEnvelope,
    ) -> HandlerFuture<'a>;
}

#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Worth retrying: the database was unreachable, a lock timed out, …
    #[error("transient: {0}")]
    Transient(String),
    /// Retrying cannot help (a malformed payload): logged and skipped.
    #[error("permanent: {0}")]
    Permanent(String),
}

impl From<diesel::result::Error> for HandlerError {
    fn from(e: diesel::result::Error) -> Self {
        HandlerError::Transient(e.to_string())
    }
}

impl From<crate::envelope::EnvelopeError> for HandlerError {
    fn from(e: crate::envelope::EnvelopeError) -> Self {
        HandlerError::Permanent(e.to_string())
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    Now,
    /// This consumer had already applied the event: nothing was done.
    Before,
}

/// Applies `event` through `handler` unless `consumer` applied it before.
pub async fn apply_once(
    conn: &mut AsyncPgConnection,
    consumer: &str,
    handler: &dyn EventHandler,
    event: &EventEnvelope,
) -> Result<Applied, HandlerError> {
    conn.transaction::<_, HandlerError, _>(async |conn| {
        let inserted = diesel::insert_into(processed_events::table)
            .values((
                processed_events::consumer.eq(consumer),
                processed_events::event_id.eq(event.id),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        if inserted == 0 {
            return Ok(Applied::Before);
        }
        handler.handle(conn, event).await?;
        Ok(Applied::Now)
    })
    .await
}

#[derive(Debug, Clone)]
pub struct ConsumerSettings {
    pub brokers: String,
    /// Kafka consumer group; instances sharing it split the partitions.
    pub group_id: String,
    /// Full topic names.
    pub topics: Vec<String>,
    /// The name under which handled events are recorded.
    pub name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConsumerError {
    #[error("kafka: {0}")]
    Kafka(#[from] KafkaError),
}

/// Consumes until `shutdown`. Each message is applied with [`apply_once`],
/// retried with backoff while the failure is transient, then its offset committed.
/// `after_commit` is signalled whenever an applied event's transaction has
/// committed, so the follow-up events a handler enqueued leave at once instead
/// of at the relay's next poll.
pub async fn run_consumer(
    pool: Pool<AsyncPgConnection>,
    settings: ConsumerSettings,
    handler: Arc<dyn EventHandler>,
    after_commit: Option<OutboxSignal>,
    shutdown: CancellationToken,
) -> Result<(), ConsumerError> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &settings.brokers)
        .set("group.id", &settings.group_id)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .create()?;
    let topics: Vec<&str> = settings.topics.iter().map(String::as_str).collect();
    consumer.subscribe(&topics)?;
    tracing::info!(group = settings.group_id, topics = ?settings.topics, "consuming");

    loop {
        let message = tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            m = consumer.recv() => m,
        };
        let message = match message {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "kafka receive failed, retrying");
                tokio::select! {
                    _ = shutdown.cancelled() => return Ok(()),
                    _ = tokio::time::sleep(Duration::from_millis(500)) => continue,
                }
            }
        };
        let envelope = message
            .payload()
            .map(serde_json::from_slice::<EventEnvelope>);
        match envelope {
            Some(Ok(envelope)) => {
                match apply_with_retry(&pool, &settings.name, &*handler, &envelope, &shutdown).await
                {
                    None => return Ok(()),
                    Some(Applied::Now) => {
                        if let Some(signal) = &after_commit {
                            signal.committed();
                        }
                    }
                    Some(Applied::Before) => {}
                }
            }
            Some(Err(e)) => tracing::error!(
                topic = message.topic(),
                offset = message.offset(),
                error = %e,
                "skipping a message that is not an event envelope"
            ),
            None => tracing::warn!(topic = message.topic(), "skipping an empty message"),
        }
        if let Err(e) = consumer.commit_message(&message, CommitMode::Async) {
            tracing::warn!(error = %e, "offset commit failed; the event may be redelivered");
        }
    }
}

/// `None` when shutdown interrupted the retries (the offset must not be
/// committed); a rejected event counts as handled before.
async fn apply_with_retry(
    pool: &Pool<AsyncPgConnection>,
    consumer: &str,
    handler: &dyn EventHandler,
    envelope: &EventEnvelope,
    shutdown: &CancellationToken,
) -> Option<Applied> {
    let mut backoff = Duration::from_millis(50);
    loop {
        let outcome = match pool.get().await {
            Ok(mut conn) => apply_once(&mut conn, consumer, handler, envelope).await,
            Err(e) => Err(HandlerError::Transient(e.to_string())),
        };
        match outcome {
            Ok(applied) => {
                tracing::debug!(event = %envelope.id, kind = envelope.event_type, ?applied, "event handled");
                return Some(applied);
            }
            Err(HandlerError::Permanent(reason)) => {
                tracing::error!(event = %envelope.id, kind = envelope.event_type, reason, "event rejected, skipping");
                return Some(Applied::Before);
            }
            Err(HandlerError::Transient(reason)) => {
                tracing::warn!(event = %envelope.id, kind = envelope.event_type, reason, retry_in = ?backoff, "event handling failed, retrying");
                tokio::select! {
                    _ = shutdown.cancelled() => return None,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}
