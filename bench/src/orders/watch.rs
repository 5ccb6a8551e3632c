//! Reads `order.status_changed` from the orders topic, as any other consumer
//! would, to learn when each order reached a final state for this run
//! (CONFIRMED or CANCELLED). It adds no request to the system under test.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde::Deserialize;
use tokio::task::JoinHandle;

/// Where an order ended up, and when.
#[derive(Debug, Clone)]
pub struct Settled {
    pub status: String,
    /// When the orders service changed the status (its clock: this machine's).
    pub at: DateTime<Utc>,
    /// When this watcher read the change from Kafka.
    pub seen: Instant,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    event_type: String,
    payload: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusChanged {
    order_id: String,
    to: String,
    at: DateTime<Utc>,
}

pub struct Watch {
    settled: Arc<Mutex<HashMap<String, Settled>>>,
    task: JoinHandle<()>,
}

impl Watch {
    /// Starts reading `topic` from its current end: every change after this
    /// returns is seen.
    pub async fn start(brokers: &str, group: &str, topic: &str) -> anyhow::Result<Self> {
        let consumer: StreamConsumer = ClientConfig::new()
            .set("bootstrap.servers", brokers)
            .set("group.id", group)
            .set("enable.auto.commit", "false")
            // Not lower: the broker answers a fetch only after this long, and
            // each fetch costs it CPU the system under test would miss.
            .set("fetch.wait.max.ms", "100")
            .set("socket.nagle.disable", "true")
            .create()
            .context("creating the Kafka consumer")?;
        let topic = topic.to_string();
        let consumer = tokio::task::spawn_blocking(move || -> anyhow::Result<StreamConsumer> {
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
        .await??;
        let settled = Arc::new(Mutex::new(HashMap::new()));
        let task = tokio::spawn(read(consumer, settled.clone()));
        Ok(Self { settled, task })
    }

    pub fn get(&self, order: &str) -> Option<Settled> {
        self.settled.lock().unwrap().get(order).cloned()
    }

    pub fn count_of(&self, orders: &[&str]) -> usize {
        let settled = self.settled.lock().unwrap();
        orders.iter().filter(|o| settled.contains_key(**o)).count()
    }

    pub fn stop(self) {
        self.task.abort();
    }
}

async fn read(consumer: StreamConsumer, settled: Arc<Mutex<HashMap<String, Settled>>>) {
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
        let Some(Ok(envelope)) = message.payload().map(serde_json::from_slice::<Envelope>) else {
            continue;
        };
        if envelope.event_type != "order.status_changed" {
            continue;
        }
        let Ok(change) = serde_json::from_value::<StatusChanged>(envelope.payload) else {
            continue;
        };
        if change.to == "CONFIRMED" || change.to == "CANCELLED" {
            settled
                .lock()
                .unwrap()
                .entry(change.order_id)
                .or_insert(Settled {
                    status: change.to,
                    at: change.at,
                    seen,
                });
        }
    }
}
