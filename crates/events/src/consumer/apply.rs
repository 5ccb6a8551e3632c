//! Applying events exactly once in effect: the event ids are recorded in the
//! same transaction as the handler's changes, so a redelivered event changes
//! nothing. Several events share one transaction (one commit, one fsync), which
//! is what lets a consumer keep up with a busy topic.

use std::collections::{HashSet, VecDeque};

use diesel::prelude::*;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{EventHandler, HandlerError};
use crate::backoff::Backoff;
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

/// What [`apply_with_retry`] did with a round.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// Events applied now (not before).
    pub applied: usize,
    /// Positions (in the events given) of those rejected for good, and why.
    pub rejected: Vec<(usize, String)>,
}

/// Applies `events` with [`apply_batch`], retrying with backoff while failures
/// are transient. An event a handler rejects for good is taken out and the
/// rest applied without it; the rejected event is then tried once more alone
/// (a conflict caused by a concurrent instance applying the same event passes
/// the second time, as already applied) before it is given up on. A failure of
/// the whole transaction that is not transient makes the round go one event at
/// a time, to find the event at fault. `None` when shutdown interrupted the
/// retries (the offsets must not be committed).
pub(crate) async fn apply_with_retry(
    pool: &Pool<AsyncPgConnection>,
    consumer: &str,
    handler: &dyn EventHandler,
    events: &[&EventEnvelope],
    shutdown: &CancellationToken,
) -> Option<Outcome> {
    let mut outcome = Outcome::default();
    let mut backoff = Backoff::new();
    let mut queue: VecDeque<Vec<usize>> = VecDeque::from([(0..events.len()).collect()]);
    while let Some(mut group) = queue.pop_front() {
        let mut second_try = false;
        loop {
            if group.is_empty() {
                break;
            }
            let batch: Vec<&EventEnvelope> = group.iter().map(|&i| events[i]).collect();
            let result = match pool.get().await {
                Ok(mut conn) => apply_batch(&mut conn, consumer, handler, &batch).await,
                Err(e) => Err(BatchFailure {
                    index: None,
                    error: HandlerError::Transient(e.to_string()),
                }),
            };
            let failure = match result {
                Ok(applied) => {
                    outcome.applied += applied;
                    break;
                }
                Err(failure) => failure,
            };
            let event = failure.index.map(|i| batch[i]);
            match failure.error {
                HandlerError::Permanent(reason) if group.len() > 1 => {
                    tracing::warn!(event = ?event.map(|e| e.id), kind = ?event.map(|e| &e.event_type), reason, "event rejected; applying the rest without it");
                    match failure.index {
                        Some(at) => queue.push_back(vec![group.remove(at)]),
                        None => {
                            for i in group.drain(..).rev() {
                                queue.push_front(vec![i]);
                            }
                        }
                    }
                }
                HandlerError::Permanent(reason) if !second_try => {
                    tracing::warn!(event = %batch[0].id, reason, "event rejected; trying it once more alone");
                    second_try = true;
                }
                HandlerError::Permanent(reason) => {
                    outcome.rejected.push((group[0], reason));
                    break;
                }
                HandlerError::Transient(reason) => {
                    let wait = backoff.next_delay();
                    tracing::warn!(
                        event = ?event.map(|e| e.id),
                        kind = ?event.map(|e| &e.event_type),
                        batch = group.len(),
                        error = reason,
                        retry_in = ?wait,
                        "event handling failed, retrying"
                    );
                    tokio::select! {
                        _ = shutdown.cancelled() => return None,
                        _ = tokio::time::sleep(wait) => {}
                    }
                }
            }
        }
    }
    Some(outcome)
}
