//! A Kafka consumer that reads a topic from its end as it is now, the way the
//! benchmarks watch the changes their own run makes, and the loop that reads the order
//! status changes off it.

use std::time::Duration;

use std::time::Instant;

use anyhow::Context;
use futures::StreamExt;
use mart_events::EventEnvelope;
use mart_events::catalog::OrderStatusChanged;
use rdkafka::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::Message;

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

/// Hands every `order.status_changed` the consumer reads to `changed`, decoded with the
/// event's own type from mart_events' catalogue, with the instant it was read (before
/// decoding). Other records, and ones that do not decode, are skipped; runs until aborted.
pub async fn each_status_change(
    consumer: StreamConsumer,
    mut changed: impl FnMut(OrderStatusChanged, Instant),
) {
    let mut messages = consumer.stream();
    while let Some(message) = messages.next().await {
        let message = match message {
            Ok(m) => m,
            Err(e) => {
                eprintln!("kafka: {e}");
                continue;
            }
        };
        let seen = Instant::now();
        let Some(Ok(envelope)) = message
            .payload()
            .map(serde_json::from_slice::<EventEnvelope>)
        else {
            continue;
        };
        if let Ok(change) = envelope.decode::<OrderStatusChanged>() {
            changed(change, seen);
        }
    }
}
