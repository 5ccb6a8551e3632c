//! The live feed of status changes behind the subscriptions.
//!
//! Every orders instance reads every `order.status_changed` event itself (its
//! own consumer group, never committing) and fans it out in-process over a
//! bounded broadcast channel. The feed starts at the topic's end as it is when
//! the service starts, so nothing produced after `start` returns is missed and
//! nothing older is replayed.

use std::sync::Arc;
use std::time::Duration;

use mart_events::catalog::OrderStatusChanged;
use mart_events::{EventEnvelope, Topic};
use mart_service::subscriptions::RecentIds;
use rdkafka::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
#[cfg(test)]
use uuid::Uuid;

const METADATA_TIMEOUT: Duration = Duration::from_secs(10);

/// How many delivered event ids are remembered to drop redeliveries.
const REMEMBERED: usize = 4096;

/// One status change, shared by every subscriber that receives it.
pub type StatusChange = Arc<OrderStatusChanged>;

/// Subscribe here to hear every status change from now on.
#[derive(Clone)]
pub struct StatusFeed {
    tx: broadcast::Sender<StatusChange>,
}

impl StatusFeed {
    /// A subscriber more than `capacity` changes behind is told it lagged.
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity.max(1));
        Self { tx }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<StatusChange> {
        self.tx.subscribe()
    }

    fn publish(&self, change: OrderStatusChanged) {
        // No subscriber right now is fine: the change is simply not needed.
        let _ = self.tx.send(Arc::new(change));
    }
}

/// A consumer of the orders topic positioned at its current end, in the group
/// `group` (unique per instance).
pub async fn positioned_consumer(
    brokers: &str,
    group: &str,
    topic: String,
) -> Result<StreamConsumer, KafkaError> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "latest")
        .create()?;
    // Positions are fetched before `start` returns, rather than left to a
    // group join that completes later, so no event after `start` is skipped.
    tokio::task::spawn_blocking(move || {
        let metadata = consumer.fetch_metadata(Some(&topic), METADATA_TIMEOUT)?;
        let mut assignment = TopicPartitionList::new();
        for partition in metadata
            .topics()
            .iter()
            .filter(|t| t.name() == topic)
            .flat_map(|t| t.partitions())
        {
            let (_, high) = consumer.fetch_watermarks(&topic, partition.id(), METADATA_TIMEOUT)?;
            assignment.add_partition_offset(&topic, partition.id(), Offset::Offset(high))?;
        }
        consumer.assign(&assignment)?;
        Ok(consumer)
    })
    .await
    .map_err(|_| KafkaError::Canceled)?
}

/// Reads `consumer` into `feed` until `shutdown`.
pub async fn run(consumer: StreamConsumer, feed: StatusFeed, shutdown: CancellationToken) {
    let mut seen = RecentIds::new(REMEMBERED);
    loop {
        let message = tokio::select! {
            _ = shutdown.cancelled() => return,
            m = consumer.recv() => m,
        };
        let message = match message {
            Ok(message) => message,
            Err(e) => {
                tracing::warn!(error = %e, "live status feed: kafka error");
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_millis(500)) => continue,
                }
            }
        };
        let Some(envelope) = message
            .payload()
            .and_then(|p| serde_json::from_slice::<EventEnvelope>(p).ok())
        else {
            tracing::warn!("live status feed: skipping a message that is not an event");
            continue;
        };
        if !envelope.is::<OrderStatusChanged>() || !seen.insert(envelope.id) {
            continue;
        }
        match envelope.decode::<OrderStatusChanged>() {
            Ok(change) => feed.publish(change),
            Err(e) => tracing::warn!(error = %e, "live status feed: malformed status change"),
        }
    }
}

/// The orders topic's name under `prefix`.
pub fn topic(prefix: &str) -> String {
    Topic::Orders.name(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redeliveries_are_dropped() {
        let mut seen = RecentIds::new(REMEMBERED);
        let id = Uuid::now_v7();
        assert!(seen.insert(id));
        assert!(!seen.insert(id));
    }

    #[tokio::test]
    async fn a_subscriber_too_far_behind_is_told_it_lagged() {
        let feed = StatusFeed::new(2);
        let mut rx = feed.subscribe();
        for _ in 0..3 {
            feed.publish(OrderStatusChanged {
                order_id: Uuid::now_v7(),
                user_id: Uuid::now_v7(),
                from: None,
                to: "PENDING".into(),
                reason: None,
                at: chrono::Utc::now(),
            });
        }
        assert!(matches!(
            rx.recv().await,
            Err(broadcast::error::RecvError::Lagged(1))
        ));
    }
}
