//! The lag check behind a consumer's self-healing: every [`CHECK_EVERY`] it
//! asks the broker for the group's committed offset and the end of each
//! partition of its topics, and hands them to the consumer's
//! [`ConsumerHealth`]. From those the consumer sees a stall its own fetch loop
//! cannot (a group formed with no partitions assigned polls nothing, forever,
//! without an error: STACK.md), and `/metrics` reports lag.
//!
//! It reads the group's *committed* position, not this member's, so that a
//! member with no partitions (another instance holds them) does not call
//! itself stalled while the group moves.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::KafkaResult;
use rdkafka::{Offset, TopicPartitionList};
use tokio::task::JoinHandle;

use crate::health::ConsumerHealth;

/// How often the broker is asked. Each check is a metadata, an offset-fetch
/// and two list-offsets requests per partition; at 5 s, the seven consumers
/// of `mart up` add about six requests a second to the broker.
pub(crate) const CHECK_EVERY: Duration = Duration::from_secs(5);

/// Longest a check's requests may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// (topic, partition, committed offset, end offset)
type Positions = Vec<(String, i32, i64, i64)>;

/// Checks until aborted (the consumer aborts it when it closes).
pub(crate) fn spawn(
    consumer: Arc<StreamConsumer>,
    topics: Vec<String>,
    health: Arc<ConsumerHealth>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECK_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let consumer = consumer.clone();
            let topics = topics.clone();
            match tokio::task::spawn_blocking(move || positions(&consumer, &topics)).await {
                Ok(Ok(positions)) => health.observe(&positions),
                // The broker is down or restarting: the last figures stand, and
                // the stall clock keeps running (the consumer's rejoin then waits
                // for the broker like any other request).
                Ok(Err(e)) => {
                    tracing::debug!(consumer = health.name, error = %e, "lag check failed")
                }
                Err(_) => return,
            }
        }
    })
}

/// Blocking: the group's committed offset and the end of every partition of
/// `topics`. A partition the group never committed counts from its start
/// (consumers reset to the earliest record).
fn positions(consumer: &StreamConsumer, topics: &[String]) -> KafkaResult<Positions> {
    let mut wanted = TopicPartitionList::new();
    for topic in topics {
        let metadata = consumer.fetch_metadata(Some(topic), REQUEST_TIMEOUT)?;
        for t in metadata.topics().iter().filter(|t| t.name() == topic) {
            for p in t.partitions() {
                wanted.add_partition(topic, p.id());
            }
        }
    }
    let committed = consumer.committed_offsets(wanted, REQUEST_TIMEOUT)?;
    let mut out = Vec::new();
    for e in committed.elements() {
        let (low, high) = consumer.fetch_watermarks(e.topic(), e.partition(), REQUEST_TIMEOUT)?;
        let at = match e.offset() {
            Offset::Offset(n) => n,
            _ => low,
        };
        out.push((e.topic().to_string(), e.partition(), at, high));
    }
    Ok(out)
}
