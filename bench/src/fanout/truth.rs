//! What every subscriber is entitled to: the `order.status_changed` events on the orders
//! topic, read as any other consumer would (from the topic's end when the run starts),
//! kept for the run's customers only. This is the ground truth the subscribers' logs are
//! checked against, and it shows how much of the delay is the outbox relay and Kafka.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rdkafka::consumer::StreamConsumer;
use rdkafka::message::Message;
use serde::Deserialize;
use tokio::task::JoinHandle;

use crate::topic_end::consumer_at_end;

/// One status change as the orders service published it.
#[derive(Debug, Clone)]
pub struct Change {
    pub status: String,
    pub at: DateTime<Utc>,
    /// When this reader got it from Kafka.
    pub seen: DateTime<Utc>,
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
    user_id: String,
    to: String,
    at: DateTime<Utc>,
}

type Changes = Arc<Mutex<HashMap<String, Vec<Change>>>>;

pub struct Truth {
    by_order: Changes,
    task: JoinHandle<()>,
}

impl Truth {
    /// Starts reading `topic` from its current end; keeps the changes of `users`' orders.
    pub async fn start(
        brokers: &str,
        group: &str,
        topic: &str,
        users: HashSet<String>,
    ) -> anyhow::Result<Self> {
        // Read as soon as they land: every delivery's delay is measured against it.
        let consumer = consumer_at_end(brokers, group, topic, 10).await?;
        let by_order = Changes::default();
        let task = tokio::spawn(read(consumer, users, by_order.clone()));
        Ok(Self { by_order, task })
    }

    /// The changes of `order` so far, in the topic's order.
    pub fn of(&self, order: &str) -> Vec<Change> {
        self.by_order
            .lock()
            .unwrap()
            .get(order)
            .cloned()
            .unwrap_or_default()
    }

    /// How many of `orders` have reached a status the saga leaves them in without a
    /// person acting (AWAITING_SHIPMENT, or CANCELLED).
    pub fn settled(&self, orders: &[String]) -> usize {
        let by_order = self.by_order.lock().unwrap();
        orders
            .iter()
            .filter(|o| {
                by_order.get(*o).is_some_and(|changes| {
                    changes
                        .iter()
                        .any(|c| c.status == "AWAITING_SHIPMENT" || c.status == "CANCELLED")
                })
            })
            .count()
    }

    pub fn stop(self) {
        self.task.abort();
    }
}

async fn read(consumer: StreamConsumer, users: HashSet<String>, by_order: Changes) {
    use futures::StreamExt;
    let mut messages = consumer.stream();
    while let Some(message) = messages.next().await {
        let message = match message {
            Ok(m) => m,
            Err(e) => {
                eprintln!("kafka: {e}");
                continue;
            }
        };
        let seen = Utc::now();
        let Some(Ok(envelope)) = message.payload().map(serde_json::from_slice::<Envelope>) else {
            continue;
        };
        if envelope.event_type != "order.status_changed" {
            continue;
        }
        let Ok(change) = serde_json::from_value::<StatusChanged>(envelope.payload) else {
            continue;
        };
        let user_id = change.user_id.to_lowercase();
        if !users.contains(&user_id) {
            continue;
        }
        let order = change.order_id.to_lowercase();
        let mut by_order = by_order.lock().unwrap();
        let changes = by_order.entry(order).or_default();
        // At-least-once delivery: a redelivered change is the same change.
        if !changes
            .iter()
            .any(|c| c.status == change.to && c.at == change.at)
        {
            changes.push(Change {
                status: change.to,
                at: change.at,
                seen,
            });
        }
    }
}
