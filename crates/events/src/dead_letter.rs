//! Messages the pipeline gave up on: recorded in the service's `dead_letters`
//! table with their bytes and the reason, so that one bad message never stops
//! the rest and never disappears unseen. Staff list and replay them with
//! `mart dead-letters` (docs/events.md).

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::schema::{dead_letters, outbox_events};

/// Where in the pipeline a message was given up on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The broker refused the outbox row for good.
    Publish,
    /// A consumer could not decode the message or its handler rejected it.
    Consume,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Publish => "publish",
            Stage::Consume => "consume",
        }
    }
}

/// A message to record.
#[derive(Debug, Clone)]
pub struct NewDeadLetter {
    pub stage: Stage,
    pub consumer: Option<String>,
    pub topic: String,
    pub partition: Option<i32>,
    pub offset: Option<i64>,
    pub key: Option<String>,
    pub event_id: Option<Uuid>,
    pub event_type: Option<String>,
    pub payload: Vec<u8>,
    pub error: String,
}

/// A recorded dead letter, as staff see it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = dead_letters)]
pub struct DeadLetter {
    pub id: i64,
    pub stage: String,
    pub consumer: Option<String>,
    pub topic: String,
    #[diesel(column_name = kafka_partition)]
    pub partition: Option<i32>,
    #[diesel(column_name = kafka_offset)]
    pub offset: Option<i64>,
    pub message_key: Option<String>,
    pub event_id: Option<Uuid>,
    pub event_type: Option<String>,
    pub payload: Vec<u8>,
    pub error: String,
    pub created_at: DateTime<Utc>,
    pub replayed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum DeadLetterError {
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("no database connection: {0}")]
    Pool(String),
    #[error("no dead letter {0}")]
    NotFound(i64),
    #[error("dead letter {0} was replayed already")]
    AlreadyReplayed(i64),
    #[error("publishing dead letter {id} again: {reason}")]
    Publish { id: i64, reason: String },
}

/// Records `letters` on `conn` (inside the caller's transaction when it has one).
pub async fn insert(conn: &mut AsyncPgConnection, letters: &[NewDeadLetter]) -> QueryResult<usize> {
    if letters.is_empty() {
        return Ok(0);
    }
    let rows: Vec<_> = letters
        .iter()
        .map(|l| {
            (
                dead_letters::stage.eq(l.stage.as_str()),
                dead_letters::consumer.eq(l.consumer.as_deref()),
                dead_letters::topic.eq(&l.topic),
                dead_letters::kafka_partition.eq(l.partition),
                dead_letters::kafka_offset.eq(l.offset),
                dead_letters::message_key.eq(l.key.as_deref()),
                dead_letters::event_id.eq(l.event_id),
                dead_letters::event_type.eq(l.event_type.as_deref()),
                dead_letters::payload.eq(&l.payload),
                dead_letters::error.eq(&l.error),
            )
        })
        .collect();
    diesel::insert_into(dead_letters::table)
        .values(rows)
        .execute(conn)
        .await
}

/// Records `letters` in a transaction of their own, retrying with capped
/// backoff while the database is unreachable: a consumer must not move past a
/// message before it is safely recorded. `false` when shutdown interrupted.
pub(crate) async fn record(
    pool: &Pool<AsyncPgConnection>,
    letters: &[NewDeadLetter],
    shutdown: &CancellationToken,
) -> bool {
    if letters.is_empty() {
        return true;
    }
    let mut backoff = crate::backoff::Backoff::new();
    loop {
        let outcome = match pool.get().await {
            Ok(mut conn) => insert(&mut conn, letters).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match outcome {
            Ok(_) => {
                for l in letters {
                    tracing::error!(
                        stage = l.stage.as_str(),
                        consumer = l.consumer,
                        topic = l.topic,
                        offset = l.offset,
                        event = ?l.event_id,
                        kind = l.event_type,
                        error = l.error,
                        "message dead-lettered"
                    );
                }
                return true;
            }
            Err(e) => {
                let wait = backoff.next_delay();
                tracing::warn!(error = e, retry_in = ?wait, "recording dead letters failed");
                tokio::select! {
                    _ = shutdown.cancelled() => return false,
                    _ = tokio::time::sleep(wait) => {}
                }
            }
        }
    }
}

/// The newest `limit` dead letters, those not replayed yet unless `all`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    all: bool,
    limit: i64,
) -> QueryResult<Vec<DeadLetter>> {
    let mut query = dead_letters::table
        .select(DeadLetter::as_select())
        .order(dead_letters::id.desc())
        .limit(limit)
        .into_boxed();
    if !all {
        query = query.filter(dead_letters::replayed_at.is_null());
    }
    query.load(conn).await
}

/// Dead letters not replayed yet, per stage and consumer (what `/metrics`
/// reports).
pub async fn waiting(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(String, String, i64)>> {
    let rows: Vec<(String, Option<String>, i64)> = dead_letters::table
        .filter(dead_letters::replayed_at.is_null())
        .group_by((dead_letters::stage, dead_letters::consumer))
        .select((
            dead_letters::stage,
            dead_letters::consumer,
            diesel::dsl::count_star(),
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(stage, consumer, n)| (stage, consumer.unwrap_or_default(), n))
        .collect())
}

/// Sends dead letter `id` down its normal path again and marks it replayed:
/// a consumer's message is produced again to its topic (every consumer that
/// applied it before recognises its event id and skips it; the one that gave
/// up applies it), a refused outbox row goes back to the outbox for the relay.
/// If it fails again it comes back as a new dead letter.
pub async fn replay(
    conn: &mut AsyncPgConnection,
    producer: &FutureProducer,
    id: i64,
) -> Result<DeadLetter, DeadLetterError> {
    let letter: DeadLetter = dead_letters::table
        .find(id)
        .select(DeadLetter::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or(DeadLetterError::NotFound(id))?;
    if letter.replayed_at.is_some() {
        return Err(DeadLetterError::AlreadyReplayed(id));
    }
    match (letter.stage.as_str(), letter.event_id) {
        ("publish", Some(event_id)) => {
            diesel::update(outbox_events::table.filter(outbox_events::event_id.eq(event_id)))
                .set(outbox_events::published_at.eq(None::<DateTime<Utc>>))
                .execute(conn)
                .await?;
        }
        _ => {
            let key = letter.message_key.clone().unwrap_or_default();
            let record = FutureRecord::to(&letter.topic)
                .key(&key)
                .payload(&letter.payload);
            producer
                .send(record, Duration::from_secs(10))
                .await
                .map_err(|(e, _)| DeadLetterError::Publish {
                    id,
                    reason: e.to_string(),
                })?;
        }
    }
    diesel::update(dead_letters::table.find(id))
        .set(dead_letters::replayed_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(letter)
}
