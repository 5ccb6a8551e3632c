//! Applying events exactly once in effect: the event ids are recorded in the
//! same transaction as the handler's changes, so a redelivered event changes
//! nothing. Several events share one transaction (one commit, one fsync), which
//! is what lets a consumer keep up with a busy topic.

use std::collections::HashSet;
use std::time::Duration;

use diesel::prelude::*;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{EventHandler, HandlerError};
use crate::envelope::EventEnvelope;
use crate::schema::processed_events;

#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    Now,
    /// This consumer had already applied the event: nothing was done.
    Before,
}

/// Why a batch rolled back, and which event caused it when a handler did.
#[derive(Debug)]
pub struct BatchFailure {
    /// Position in the batch of the event whose handler failed; `None` when the
    /// transaction itself failed (begin, record, commit).
    pub index: Option<usize>,
    pub error: HandlerError,
}

impl From<diesel::result::Error> for BatchFailure {
    fn from(e: diesel::result::Error) -> Self {
        Self {
            index: None,
            error: e.into(),
        }
    }
}

/// Applies `event` through `handler` unless `consumer` applied it before.
pub async fn apply_once(
    conn: &mut AsyncPgConnection,
    consumer: &str,
    handler: &dyn EventHandler,
    event: &EventEnvelope,
) -> Result<Applied, HandlerError> {
    match apply_batch(conn, consumer, handler, &[event]).await {
        Ok(1) => Ok(Applied::Now),
        Ok(_) => Ok(Applied::Before),
        Err(failure) => Err(failure.error),
    }
}

/// Applies, in order and in one transaction, every event of `events` that
/// `consumer` has not applied before (an id repeated within the batch counts
/// once); returns how many were applied. Any failure rolls back the whole batch.
pub async fn apply_batch(
    conn: &mut AsyncPgConnection,
    consumer: &str,
    handler: &dyn EventHandler,
    events: &[&EventEnvelope],
) -> Result<usize, BatchFailure> {
    if events.is_empty() {
        return Ok(0);
    }
    conn.transaction::<_, BatchFailure, _>(async |conn| {
        let records: Vec<_> = events
            .iter()
            .map(|e| {
                (
                    processed_events::consumer.eq(consumer),
                    processed_events::event_id.eq(e.id),
                )
            })
            .collect();
        // The rows this statement inserted are the events not seen before.
        let mut fresh: HashSet<Uuid> = diesel::insert_into(processed_events::table)
            .values(records)
            .on_conflict_do_nothing()
            .returning(processed_events::event_id)
            .get_results(conn)
            .await?
            .into_iter()
            .collect();
        // Positions in `events` of the ones to apply.
        let positions: Vec<usize> = (0..events.len())
            .filter(|&i| fresh.remove(&events[i].id))
            .collect();
        let new: Vec<&EventEnvelope> = positions.iter().map(|&i| events[i]).collect();
        if !new.is_empty() {
            handler
                .handle_batch(conn, &new)
                .await
                .map_err(|(at, error)| BatchFailure {
                    index: Some(positions[at]),
                    error,
                })?;
        }
        let applied = new.len();
        Ok(applied)
    })
    .await
}

/// Applies `events` with [`apply_batch`], retrying with backoff while failures
/// are transient. An event a handler rejects permanently is logged and left out,
/// and the rest applied again without it. `None` when shutdown interrupted the
/// retries (the offsets must not be committed).
pub(crate) async fn apply_with_retry(
    pool: &Pool<AsyncPgConnection>,
    consumer: &str,
    handler: &dyn EventHandler,
    mut events: Vec<&EventEnvelope>,
    shutdown: &CancellationToken,
) -> Option<usize> {
    let mut backoff = Duration::from_millis(50);
    loop {
        if events.is_empty() {
            return Some(0);
        }
        let outcome = match pool.get().await {
            Ok(mut conn) => apply_batch(&mut conn, consumer, handler, &events).await,
            Err(e) => Err(BatchFailure {
                index: None,
                error: HandlerError::Transient(e.to_string()),
            }),
        };
        let failure = match outcome {
            Ok(applied) => return Some(applied),
            Err(failure) => failure,
        };
        match failure {
            BatchFailure {
                index: Some(index),
                error: HandlerError::Permanent(reason),
            } => {
                let rejected = events.remove(index);
                tracing::error!(event = %rejected.id, kind = rejected.event_type, reason, "event rejected, skipping");
            }
            BatchFailure { index, error } => {
                let event = index.map(|i| events[i]);
                tracing::warn!(
                    event = ?event.map(|e| e.id),
                    kind = ?event.map(|e| &e.event_type),
                    batch = events.len(),
                    error = %error,
                    retry_in = ?backoff,
                    "event handling failed, retrying"
                );
                tokio::select! {
                    _ = shutdown.cancelled() => return None,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}
