//! The feed's Kafka side: a consumer of the status changes' topic that fetches only while
//! someone watches.
//!
//! Each fetch costs the broker CPU whether or not anything arrived, and this
//! consumer fetches often (see [`FETCH_WAIT_MS`]): on a system nobody watches it
//! was most of the broker's idle work (bench/README.md). So the consumer holds no
//! partition until the first subscriber, and lets its partitions go once nobody
//! has watched for [`IDLE_BEFORE_PAUSE`].
//!
//! Taking the partitions again always starts at the topic's end as it is then, and
//! the subscriber waits for that position before its subscription starts: it
//! hears every change produced after it subscribed and none from before, exactly
//! as if the consumer had been reading all along.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::TopicPartitionList;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

/// How long a request for the topic's partitions or end may take.
const METADATA_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest a subscription waits for the consumer to start reading, queueing
/// behind others included: with the broker down it is refused after this,
/// rather than each waiting subscriber retrying in turn.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest the broker may hold a fetch for this consumer. Live updates are read
/// to be shown at once, and some brokers (tansu) answer a fetch only after this
/// wait even when data is there: librdkafka's 500 ms default put ~450 ms on every
/// update (bench/README.md, fan-out). The price is more fetch requests while
/// someone watches.
const FETCH_WAIT_MS: &str = "10";

/// How long nobody must have watched before the consumer stops fetching.
/// Watching again costs the first subscriber two requests to the broker (the
/// topic's partitions and end); the wait keeps a client that reconnects at once
/// from paying them each time.
pub const IDLE_BEFORE_PAUSE: Duration = Duration::from_secs(30);

pub struct Tap {
    consumer: StreamConsumer,
    topic: String,
    /// Whether the consumer holds its partitions. Held across positioning, so
    /// subscribers arriving together wait for the same position, and a pause
    /// never interleaves with it.
    listening: tokio::sync::Mutex<bool>,
}

impl Tap {
    /// A consumer of `topic` in `group` (unique per instance, never committed),
    /// holding no partition yet. Fails when the broker cannot tell the topic's
    /// partitions, so a service with no broker does not start.
    pub async fn connect(
        brokers: &str,
        group: &str,
        topic: String,
    ) -> Result<Arc<Self>, KafkaError> {
        let consumer: StreamConsumer = mart_events::kafka::client(brokers)
            .set("group.id", group)
            .set("enable.auto.commit", "false")
            .set("fetch.wait.max.ms", FETCH_WAIT_MS)
            .create()?;
        let tap = Arc::new(Self {
            consumer,
            topic,
            listening: tokio::sync::Mutex::new(false),
        });
        tap.clone().end_of_topic().await?;
        Ok(tap)
    }

    /// Makes sure the consumer is fetching; when it was not, it starts at the
    /// topic's end before this returns.
    pub async fn listen(self: &Arc<Self>) -> Result<(), KafkaError> {
        tokio::time::timeout(LISTEN_TIMEOUT, self.start_listening())
            .await
            .unwrap_or(Err(KafkaError::MetadataFetch(
                RDKafkaErrorCode::OperationTimedOut,
            )))
    }

    async fn start_listening(self: &Arc<Self>) -> Result<(), KafkaError> {
        let mut listening = self.listening.lock().await;
        if !*listening {
            let end = self.clone().end_of_topic().await?;
            self.consumer.assign(&end)?;
            *listening = true;
            tracing::debug!(topic = self.topic, "live status feed: listening");
        }
        Ok(())
    }

    /// Stops fetching if `unwatched` still holds once no subscriber can be
    /// taking the partitions meanwhile.
    pub async fn pause_if(&self, unwatched: impl FnOnce() -> bool) {
        let mut listening = self.listening.lock().await;
        if *listening && unwatched() {
            match self.consumer.unassign() {
                Ok(()) => {
                    *listening = false;
                    tracing::debug!(
                        topic = self.topic,
                        "live status feed: paused, nobody watches"
                    );
                }
                Err(e) => tracing::warn!(error = %e, "live status feed: cannot pause"),
            }
        }
    }

    /// Whether the consumer is fetching right now.
    pub async fn is_listening(&self) -> bool {
        *self.listening.lock().await
    }

    pub fn consumer(&self) -> &StreamConsumer {
        &self.consumer
    }

    /// Every partition of the topic at its current end, asked off the async
    /// threads.
    async fn end_of_topic(self: Arc<Self>) -> Result<TopicPartitionList, KafkaError> {
        tokio::task::spawn_blocking(move || {
            mart_events::kafka::end_of_topic(&self.consumer, &self.topic, METADATA_TIMEOUT)
        })
        .await
        .map_err(|_| KafkaError::Canceled)?
    }
}
