//! Publishes outbox rows to Kafka in commit order and marks them sent.
//!
//! One relay of a database publishes at a time: each batch's transaction first takes
//! a transaction-scoped advisory lock, and a relay (another replica of the service)
//! that cannot take it publishes nothing this round. Rows were once only locked with
//! `SKIP LOCKED`, so two replicas took consecutive batches at once and could send one
//! order's later event before its earlier one; now every batch is the oldest unsent
//! rows, sent after the batch before it was acknowledged, so the events of one
//! aggregate reach its partition in the order they were written. One relay sends
//! thousands of events a second (bench/README.md); the others stand by and take over
//! the moment it stops. Publishing and marking happen in one transaction: a relay that
//! dies between the two leaves the rows unsent, and the next run sends them again — at
//! least once, never lost; consumers drop the duplicate by event id.
//!
//! A row the broker refuses for good (larger than [`MAX_ENVELOPE_BYTES`] or
//! than the broker accepts, or invalid) never blocks the rows behind it: it is
//! recorded as a dead letter ([`crate::dead_letter`]) and marked sent in the
//! same transaction. Any other failure is retried with jittered backoff.

use std::sync::Arc;

use std::time::Duration;
use tracing::Instrument;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rdkafka::error::KafkaError;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaErrorCode;
use tokio_util::sync::CancellationToken;

use crate::backoff::Backoff;
use crate::dead_letter::{NewDeadLetter, Stage};
use crate::outbox::OutboxSignal;
use crate::schema::outbox_events;

/// The largest envelope the relay sends; a larger one is dead-lettered without
/// a try. A quarter of librdkafka's and Kafka's default message limit
/// (1,000,000 bytes), so that no broker left at its defaults refuses an event
/// the relay accepted. What enters an event is bounded far lower at the edge
/// (docs/limits.md): an order with the most lines and the longest fields is a
/// few tens of kilobytes.
pub const MAX_ENVELOPE_BYTES: usize = 250_000;

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("no database connection: {0}")]
    Pool(String),
    #[error("publishing event {event_id} to {topic}: {source}")]
    Publish {
        event_id: uuid::Uuid,
        topic: String,
        source: KafkaError,
    },
}

pub struct OutboxRelay {
    pool: Pool<AsyncPgConnection>,
    producer: Arc<FutureProducer>,
    topic_prefix: String,
    signal: OutboxSignal,
    /// Rows per transaction. Default 256.
    pub batch_size: i64,
    /// How often to look for rows when nobody signalled. Default 200 ms.
    pub poll_interval: Duration,
    /// Where published rows are counted, for `/metrics`.
    pub health: Option<Arc<crate::PipelineHealth>>,
}

type Row = (i64, uuid::Uuid, String, String, serde_json::Value);

/// The advisory lock key of the outbox relay (advisory locks are per database, and each
/// service has its own).
const PUBLISHING_LOCK: i64 = 0x6d61_7274_6f75_7462; // "martoutb"

impl OutboxRelay {
    pub fn new(
        pool: Pool<AsyncPgConnection>,
        producer: impl Into<Arc<FutureProducer>>,
        topic_prefix: impl Into<String>,
        signal: OutboxSignal,
    ) -> Self {
        Self {
            pool,
            producer: producer.into(),
            topic_prefix: topic_prefix.into(),
            signal,
            batch_size: 256,
            poll_interval: Duration::from_millis(200),
            health: None,
        }
    }

    /// Runs until `shutdown`; errors are logged and retried with backoff.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut backoff = Backoff::new();
        loop {
            if shutdown.is_cancelled() {
                return;
            }
            let published = self.publish_batch().await;
            if let (Ok(n), Some(health)) = (&published, &self.health) {
                health.published(*n);
            }
            match published {
                Ok(n) if n as i64 == self.batch_size => backoff.reset(),
                Ok(_) => {
                    backoff.reset();
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = self.signal.wait() => {}
                        _ = tokio::time::sleep(self.poll_interval) => {}
                    }
                }
                Err(e) => {
                    let wait = backoff.next_delay();
                    tracing::warn!(error = %e, retry_in = ?wait, "outbox relay failed, will retry");
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(wait) => {}
                    }
                }
            }
        }
    }

    /// Publishes up to one batch of unsent events; returns how many rows it
    /// settled (sent, or dead-lettered).
    pub async fn publish_batch(&self) -> Result<usize, RelayError> {
        let mut conn = self
            .pool
            .get()
            .await
            .map_err(|e| RelayError::Pool(e.to_string()))?;
        conn.transaction::<_, RelayError, _>(async |conn| {
            let batch = outbox_events::table
                .filter(outbox_events::published_at.is_null())
                // Whether this transaction may publish, asked by the query that takes
                // the batch: an uncorrelated subquery, which PostgreSQL evaluates once
                // before the scan (a one-time filter: a relay that does not get the lock
                // reads no row). The lock is held until the transaction ends. Asked here
                // rather than by a statement of its own, it saves one of the five a round
                // took; with its text fixed, the query stays prepared.
                .filter(
                    diesel::dsl::sql::<Bool>("(SELECT pg_try_advisory_xact_lock(")
                        .bind::<BigInt, _>(PUBLISHING_LOCK)
                        .sql("))"),
                )
                .order(outbox_events::seq)
                .limit(self.batch_size)
                .select((
                    outbox_events::seq,
                    outbox_events::event_id,
                    outbox_events::topic,
                    outbox_events::message_key,
                    outbox_events::envelope,
                ))
                .for_update()
                .skip_locked();
            let rows: Vec<Row> = crate::prepared::cached(batch).load(conn).await?;
            if rows.is_empty() {
                return Ok(0);
            }
            let sending = std::time::Instant::now();
            let refused = self.send_all(&rows).await?;
            let sent_in = sending.elapsed();
            crate::dead_letter::insert(conn, &refused).await?;
            for letter in &refused {
                tracing::error!(
                    event = ?letter.event_id,
                    kind = letter.event_type,
                    topic = letter.topic,
                    error = letter.error,
                    "outbox row refused for good; dead-lettered"
                );
            }
            let seqs: Vec<i64> = rows.iter().map(|r| r.0).collect();
            let mark =
                diesel::update(outbox_events::table.filter(outbox_events::seq.eq_any(&seqs)))
                    .set(outbox_events::published_at.eq(diesel::dsl::now));
            crate::prepared::cached(mark).execute(conn).await?;
            tracing::debug!(
                count = rows.len(),
                send_ms = sent_in.as_secs_f64() * 1000.0,
                "published outbox events"
            );
            Ok(rows.len())
        })
        .await
    }

    /// Sends concurrently; the idempotent producer keeps per-partition order.
    /// Returns the rows refused for good, as dead letters; any other failure
    /// fails the whole batch (it is sent again, and consumers drop duplicates).
    async fn send_all(&self, rows: &[Row]) -> Result<Vec<NewDeadLetter>, RelayError> {
        let sends = rows
            .iter()
            .map(|(_, event_id, topic, key, envelope)| async move {
                let topic = format!("{}{}", self.topic_prefix, topic);
                let payload = serde_json::to_vec(envelope).expect("JSON values serialize");
                let refused = |error: String| NewDeadLetter {
                    stage: Stage::Publish,
                    consumer: None,
                    topic: topic.clone(),
                    partition: None,
                    offset: None,
                    key: Some(key.clone()),
                    event_id: Some(*event_id),
                    event_type: envelope["type"].as_str().map(str::to_string),
                    payload: payload.clone(),
                    error,
                };
                if payload.len() > MAX_ENVELOPE_BYTES {
                    let error = format!(
                        "envelope of {} bytes is over the relay's limit of {MAX_ENVELOPE_BYTES}",
                        payload.len()
                    );
                    return Ok(Some(refused(error)));
                }
                let record = FutureRecord::to(&topic).key(key).payload(&payload);
                let sent = self.producer.send(record, Duration::from_secs(10));
                match sent.instrument(publish_span(&topic, envelope)).await {
                    Ok(_) => Ok(None),
                    Err((source, _)) if refused_for_good(&source) => {
                        Ok(Some(refused(source.to_string())))
                    }
                    Err((source, _)) => Err(RelayError::Publish {
                        event_id: *event_id,
                        topic: topic.clone(),
                        source,
                    }),
                }
            });
        let mut refused = Vec::new();
        for result in futures::future::join_all(sends).await {
            refused.extend(result?);
        }
        Ok(refused)
    }
}

/// The producer span of one event's publication, child of the span that wrote it (none
/// when traces are not exported).
fn publish_span(topic: &str, envelope: &serde_json::Value) -> tracing::Span {
    if !mart_telemetry::trace::exporting() {
        return tracing::Span::none();
    }
    let kind = envelope["type"].as_str().unwrap_or("event");
    let span = tracing::info_span!(
        parent: None,
        "publish",
        otel.name = %format!("publish {kind}"),
        otel.kind = "producer",
        messaging.destination.name = topic,
        messaging.system = "kafka",
    );
    mart_telemetry::trace::set_parent(&span, envelope["traceparent"].as_str());
    span
}

/// Errors that sending the same bytes again cannot cure.
fn refused_for_good(error: &KafkaError) -> bool {
    use RDKafkaErrorCode as Code;
    matches!(
        error,
        KafkaError::MessageProduction(
            Code::MessageSizeTooLarge
                | Code::InvalidMessageSize
                | Code::InvalidMessage
                | Code::InvalidRecord
                | Code::MessageBatchTooLarge
                | Code::InvalidRequiredAcks
                | Code::PolicyViolation
        )
    )
}
