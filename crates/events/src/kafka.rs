//! Kafka clients configured the way every service needs them.

use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::KafkaError;
use rdkafka::producer::FutureProducer;
use rdkafka::types::RDKafkaErrorCode;

/// Idempotent: a retried send is written once, in order (acks=all is implied).
pub fn idempotent_producer(brokers: &str) -> Result<FutureProducer, KafkaError> {
    ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("enable.idempotence", "true")
        .set("linger.ms", "2")
        .set("message.timeout.ms", "30000")
        .create()
}

/// How often a consumer's applied positions are committed to the broker.
/// Each commit is a request the broker serves (tansu writes it to its
/// database); a crash redelivers at most this much, and redelivered events are
/// recognised and skipped (see [`crate::consumer::apply_once`]).
pub const OFFSET_COMMIT_INTERVAL: Duration = Duration::from_secs(1);

/// A consumer in `group` whose positions move only once the caller has applied
/// what it read ([`rdkafka::consumer::Consumer::store_offsets`]); stored
/// positions are committed every [`OFFSET_COMMIT_INTERVAL`] and when the
/// consumer closes. Fetches with `fetch_wait` (see
/// [`crate::consumer::Urgency`]); callers add `auto.offset.reset`.
pub fn consumer_config(brokers: &str, group: &str, fetch_wait: Duration) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", brokers)
        .set("group.id", group)
        .set("enable.auto.commit", "true")
        .set("enable.auto.offset.store", "false")
        .set(
            "auto.commit.interval.ms",
            OFFSET_COMMIT_INTERVAL.as_millis().to_string(),
        )
        .set("fetch.wait.max.ms", fetch_wait.as_millis().to_string());
    config
}

/// Creates every topic that does not exist yet (some brokers, tansu among them, do
/// not create topics on first use).
pub async fn ensure_topics(
    brokers: &str,
    topics: &[String],
    partitions: i32,
) -> Result<(), KafkaError> {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()?;
    let new: Vec<NewTopic<'_>> = topics
        .iter()
        .map(|t| NewTopic::new(t, partitions, TopicReplication::Fixed(1)))
        .collect();
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
    for result in admin.create_topics(new.iter(), &options).await? {
        match result {
            Ok(topic) => tracing::info!(topic, "created topic"),
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => {
                return Err(KafkaError::AdminOp(code)).inspect_err(|_| {
                    tracing::error!(topic, ?code, "cannot create topic");
                });
            }
        }
    }
    Ok(())
}
