//! Publishes outbox rows to Kafka in commit order and marks them sent.
//!
//! Rows are locked while they are being published, so several relays (or
//! replicas) never send the same batch at once. Publishing and marking happen in
//! one transaction: a relay that dies between the two leaves the rows unsent, and
//! the next run sends them again — at least once, never lost; consumers drop the
//! duplicate by event id.

use std::time::Duration;

use diesel::prelude::*;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rdkafka::error::KafkaError;
use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio_util::sync::CancellationToken;

use crate::outbox::OutboxSignal;
use crate::schema::outbox_events;

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
    producer: FutureProducer,
    topic_prefix: String,
    signal: OutboxSignal,
    /// Rows per transaction. Default 256.
    pub batch_size: i64,
    /// How often to look for rows when nobody signalled. Default 200 ms.
    pub poll_interval: Duration,
}

type Row = (i64, uuid::Uuid, String, String, serde_json::Value);

impl OutboxRelay {
    pub fn new(
        pool: Pool<AsyncPgConnection>,
        producer: FutureProducer,
        topic_prefix: impl Into<String>,
        signal: OutboxSignal,
    ) -> Self {
        Self {
            pool,
            producer,
            topic_prefix: topic_prefix.into(),
            signal,
            batch_size: 256,
            poll_interval: Duration::from_millis(200),
        }
    }

    /// Runs until `shutdown`; errors are logged and retried with backoff.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut backoff = Duration::from_millis(100);
        loop {
            if shutdown.is_cancelled() {
                return;
            }
            match self.publish_batch().await {
                Ok(n) if n as i64 == self.batch_size => continue,
                Ok(_) => {
                    backoff = Duration::from_millis(100);
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = self.signal.wait() => {}
                        _ = tokio::time::sleep(self.poll_interval) => {}
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, retry_in = ?backoff, "outbox relay failed, will retry");
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// Publishes up to one batch of unsent events; returns how many were sent.
    pub async fn publish_batch(&self) -> Result<usize, RelayError> {
        let mut conn = self
            .pool
            .get()
            .await
            .map_err(|e| RelayError::Pool(e.to_string()))?;
        conn.transaction::<_, RelayError, _>(async |conn| {
            let rows: Vec<Row> = outbox_events::table
                .filter(outbox_events::published_at.is_null())
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
                .skip_locked()
                .load(conn)
                .await?;
            if rows.is_empty() {
                return Ok(0);
            }
            let sending = std::time::Instant::now();
            self.send_all(&rows).await?;
            let sent_in = sending.elapsed();
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
    async fn send_all(&self, rows: &[Row]) -> Result<(), RelayError> {
        let sends = rows
            .iter()
            .map(|(_, event_id, topic, key, envelope)| async move {
                let topic = format!("{}{}", self.topic_prefix, topic);
                let payload = serde_json::to_vec(envelope).expect("JSON values serialize");
                let record = FutureRecord::to(&topic).key(key).payload(&payload);
                self.producer
                    .send(record, Duration::from_secs(10))
                    .await
                    .map(|_| ())
                    .map_err(|(source, _)| RelayError::Publish {
                        event_id: *event_id,
                        topic: topic.clone(),
                        source,
                    })
            });
        for result in futures::future::join_all(sends).await {
            result?;
        }
        Ok(())
    }
}
