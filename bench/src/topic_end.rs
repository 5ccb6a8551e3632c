//! A Kafka consumer that reads a topic from its end as it is now, the way the
//! benchmarks watch the changes their own run makes.

use std::time::Duration;

use anyhow::Context;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

/// The topic of the orders' status changes under `prefix` (mart-events'
/// `Topic::OrderStatus`; the bench reads it as an outside consumer would).
pub fn status_topic(prefix: &str) -> String {
    format!("{prefix}order-status")
}

/// A consumer of every partition of `topic`, positioned at its current end, fetching
/// with `fetch_wait_ms` (the broker answers a fetch only after that long, and each
/// fetch costs it CPU the system under test would miss).
pub async fn consumer_at_end(
    brokers: &str,
    group: &str,
    topic: &str,
    fetch_wait_ms: u32,
) -> anyhow::Result<StreamConsumer> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("fetch.wait.max.ms", fetch_wait_ms.to_string())
        .set("socket.nagle.disable", "true")
        .create()
        .context("creating the Kafka consumer")?;
    let topic = topic.to_string();
    tokio::task::spawn_blocking(move || -> anyhow::Result<StreamConsumer> {
        let timeout = Duration::from_secs(10);
        let metadata = consumer.fetch_metadata(Some(&topic), timeout)?;
        let mut assignment = TopicPartitionList::new();
        for partition in metadata
            .topics()
            .iter()
            .filter(|t| t.name() == topic)
            .flat_map(|t| t.partitions())
        {
            let (_, high) = consumer.fetch_watermarks(&topic, partition.id(), timeout)?;
            assignment.add_partition_offset(&topic, partition.id(), Offset::Offset(high))?;
        }
        anyhow::ensure!(assignment.count() > 0, "topic {topic} has no partitions");
        consumer.assign(&assignment)?;
        Ok(consumer)
    })
    .await?
}
