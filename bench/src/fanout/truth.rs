//! What every subscriber is entitled to: the `order.status_changed` events on the orders
//! topic, read as any other consumer would (from the topic's end when the run starts),
//! kept for the run's customers only. This is the ground truth the subscribers' logs are
//! checked against, and it shows how much of the delay is the outbox relay and Kafka.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rdkafka::consumer::StreamConsumer;
use tokio::task::JoinHandle;

use crate::topic_end::{consumer_at_end, each_status_change};

/// One status change as the orders service published it.
#[derive(Debug, Clone)]
pub struct Change {
    pub status: String,
    pub at: DateTime<Utc>,
    /// When this reader got it from Kafka.
    pub seen: DateTime<Utc>,
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
    each_status_change(consumer, |change, read_at| {
        if !users.contains(&change.user_id.to_string()) {
            return;
        }
        let seen = Utc::now() - read_at.elapsed();
        let mut by_order = by_order.lock().unwrap();
        let changes = by_order.entry(change.order_id.to_string()).or_default();
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
    })
    .await
}
