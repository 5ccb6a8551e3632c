//! A Kafka consumer that reads a topic from its end as it is now, the way the
//! benchmarks watch the changes their own run makes.

use std::time::Duration;

use anyhow::Context;
use rdkafka::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};

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
        let end = mart_events::kafka::end_of_topic(&consumer, &topic, Duration::from_secs(10))
            .with_context(|| format!("finding the end of {topic}"))?;
        consumer.assign(&end)?;
        Ok(consumer)
    })
    .await?
}
