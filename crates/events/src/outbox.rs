//! Writing events in the same transaction as the business change.

use std::sync::Arc;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use tokio::sync::Notify;

use crate::catalog::DomainEvent;
use crate::envelope::EventEnvelope;
use crate::schema::outbox_events;

/// Records `event` in the outbox on `conn`. Call it inside the transaction that
/// makes the change: the event is published if and only if the change commits.
///
/// Takes a shared connection so that it can be pipelined with the change's other
/// writes (polled together, e.g. with `try_join!`): one round trip instead of
/// one per statement. Pipelined statements run in the order they are first
/// polled: diesel-async sends each one as it leaves its (first-come,
/// first-served) statement cache.
pub async fn enqueue<E: DomainEvent>(
    conn: &AsyncPgConnection,
    event: &E,
) -> QueryResult<EventEnvelope> {
    let envelope = EventEnvelope::wrap(event);
    enqueue_envelope(conn, E::TOPIC.as_str(), &envelope).await?;
    Ok(envelope)
}

/// `topic` is the name without the deployment prefix; the relay adds it.
pub async fn enqueue_envelope(
    mut conn: &AsyncPgConnection,
    topic: &str,
    envelope: &EventEnvelope,
) -> QueryResult<()> {
    diesel::insert_into(outbox_events::table)
        .values((
            outbox_events::event_id.eq(envelope.id),
            outbox_events::topic.eq(topic),
            outbox_events::message_key.eq(&envelope.aggregate_id),
            outbox_events::envelope
                .eq(serde_json::to_value(envelope).expect("envelopes serialize")),
        ))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// `event` wrapped, with its topic: one entry for [`enqueue_all`].
pub fn entry<E: DomainEvent>(event: &E) -> (&'static str, EventEnvelope) {
    (E::TOPIC.as_str(), EventEnvelope::wrap(event))
}

/// Records `envelopes` (each with its topic, without the deployment prefix) in the outbox,
/// in order, in one statement per thousand: what a consumer's round emits costs the
/// database one statement instead of one per event (bench/LOG.md, session 12).
pub async fn enqueue_all(
    mut conn: &AsyncPgConnection,
    envelopes: &[(&str, EventEnvelope)],
) -> QueryResult<()> {
    // Four parameters a row, far below PostgreSQL's 65,535 a statement.
    for chunk in envelopes.chunks(1_000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(topic, envelope)| {
                (
                    outbox_events::event_id.eq(envelope.id),
                    outbox_events::topic.eq(*topic),
                    outbox_events::message_key.eq(&envelope.aggregate_id),
                    outbox_events::envelope
                        .eq(serde_json::to_value(envelope).expect("envelopes serialize")),
                )
            })
            .collect();
        diesel::insert_into(outbox_events::table)
            .values(rows)
            .execute(&mut conn)
            .await?;
    }
    Ok(())
}

/// Wakes the relay right after a commit so events leave without waiting for its
/// next poll. Purely a latency hint: the relay also polls.
#[derive(Clone, Default)]
pub struct OutboxSignal(Arc<Notify>);

impl OutboxSignal {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn committed(&self) {
        self.0.notify_one();
    }

    pub(crate) async fn wait(&self) {
        self.0.notified().await;
    }
}
