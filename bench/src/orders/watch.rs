//! Reads `order.status_changed` from its topic, as any other consumer
//! would, to learn when each order reached a final state for this run
//! (CONFIRMED or CANCELLED). It adds no request to the system under test.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Utc};
use rdkafka::consumer::StreamConsumer;
use tokio::task::JoinHandle;

use crate::topic_end::{consumer_at_end, each_status_change};

/// Where an order ended up, and when.
#[derive(Debug, Clone)]
pub struct Settled {
    pub status: String,
    /// When the orders service changed the status (its clock: this machine's).
    pub at: DateTime<Utc>,
    /// When this watcher read the change from Kafka.
    pub seen: Instant,
}

pub struct Watch {
    settled: Arc<Mutex<HashMap<String, Settled>>>,
    task: JoinHandle<()>,
}

impl Watch {
    /// Starts reading `topic` from its current end: every change after this
    /// returns is seen.
    pub async fn start(brokers: &str, group: &str, topic: &str) -> anyhow::Result<Self> {
        let consumer = consumer_at_end(brokers, group, topic, 100).await?;
        let settled = Arc::new(Mutex::new(HashMap::new()));
        let task = tokio::spawn(read(consumer, settled.clone()));
        Ok(Self { settled, task })
    }

    pub fn get(&self, order: &str) -> Option<Settled> {
        self.settled.lock().unwrap().get(order).cloned()
    }

    /// [`Watch::get`] for another task.
    pub fn lookup(&self) -> impl Fn(&str) -> Option<Settled> + Send + 'static {
        let settled = self.settled.clone();
        move |order| settled.lock().unwrap().get(order).cloned()
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
    each_status_change(consumer, |change, seen| {
        if change.to == "CONFIRMED" || change.to == "CANCELLED" {
            settled
                .lock()
                .unwrap()
                .entry(change.order_id.to_string())
                .or_insert(Settled {
                    status: change.to,
                    at: change.at,
                    seen,
                });
        }
    })
    .await
}
