//! Kafka clients configured the way every service needs them.

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::producer::FutureProducer;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use crate::topics::Topic;

/// How long a producer waits to fill a batch before sending it. Every produce request costs
/// the broker a transaction (tansu: several SQL statements; measured when it still parsed
/// them anew each time, tools/tansu/), and every batch becomes a round of the next
/// consumer's transaction, so fuller batches save work all along the saga.
/// Measured with `bench/orders.sh --duration 60s` on two cores (bench/LOG.md, session 12):
/// at 100 orders/s, 2 ms took 69 s of CPU in all (mart, PostgreSQL, tansu; two runs), 10 ms
/// 61 s, 20 ms 56 s, 50 ms 58 s, while p50 to CONFIRMED went 345 → 393 → 419 → 546 ms; at
/// 200/s, 20 ms took 15 % less CPU than 2 ms and, the machine less loaded, cut p99 to
/// CONFIRMED from 789 to 578 ms and placeOrder's p99 from 122 to 32 ms.
pub const PRODUCER_LINGER: Duration = Duration::from_millis(20);

/// How every Kafka client of the process reaches the brokers: TLS and SASL settings, set
/// once at start ([`secure`]); plaintext until then.
static SECURITY: std::sync::RwLock<Vec<(String, String)>> = std::sync::RwLock::new(Vec::new());

/// TLS and SASL for the process's Kafka clients, from `MART_KAFKA_*` (see
/// `mart_service::config::ENV_VARS`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KafkaSecurity {
    /// `plaintext`, `ssl`, `sasl_plaintext` or `sasl_ssl`.
    pub protocol: String,
    /// PEM file of the CAs the brokers' certificates are checked against (else the system's).
    pub ca_file: Option<String>,
    /// A client certificate and key (PEM), for brokers that ask for one.
    pub certificate_file: Option<String>,
    pub key_file: Option<String>,
    /// `SCRAM-SHA-512`, `SCRAM-SHA-256` or `PLAIN`.
    pub sasl_mechanism: String,
    pub sasl_username: Option<String>,
    pub sasl_password: Option<String>,
}

/// Everything but the password, which is never printed.
impl std::fmt::Debug for KafkaSecurity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaSecurity")
            .field("protocol", &self.protocol)
            .field("ca_file", &self.ca_file)
            .field("certificate_file", &self.certificate_file)
            .field("key_file", &self.key_file)
            .field("sasl_mechanism", &self.sasl_mechanism)
            .field("sasl_username", &self.sasl_username)
            .field(
                "sasl_password",
                &self.sasl_password.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl KafkaSecurity {
    /// The librdkafka settings, or why they cannot work.
    pub fn settings(&self) -> Result<Vec<(String, String)>, String> {
        let protocol = self.protocol.to_ascii_lowercase();
        let (tls, sasl) = match protocol.as_str() {
            "" | "plaintext" => (false, false),
            "ssl" => (true, false),
            "sasl_plaintext" => (false, true),
            "sasl_ssl" => (true, true),
            other => {
                return Err(format!(
                    "security protocol {other:?} is none of plaintext, ssl, sasl_plaintext, sasl_ssl"
                ));
            }
        };
        let mut settings = vec![("security.protocol".to_string(), protocol.clone())];
        if protocol.is_empty() {
            settings.clear();
        }
        let tls_files = [
            ("ssl.ca.location", &self.ca_file),
            ("ssl.certificate.location", &self.certificate_file),
            ("ssl.key.location", &self.key_file),
        ];
        for (key, file) in tls_files {
            if let Some(file) = file {
                if !tls {
                    return Err(format!(
                        "{key} is set but the protocol {protocol:?} has no TLS"
                    ));
                }
                if !std::path::Path::new(file).is_file() {
                    return Err(format!("{file} ({key}) is not a readable file"));
                }
                settings.push((key.to_string(), file.clone()));
            }
        }
        if self.certificate_file.is_some() != self.key_file.is_some() {
            return Err("a client certificate needs its key, and a key its certificate".into());
        }
        match (sasl, &self.sasl_username, &self.sasl_password) {
            (true, Some(user), Some(password)) => {
                let mechanism = match self.sasl_mechanism.to_ascii_uppercase().as_str() {
                    "" => "SCRAM-SHA-512".to_string(),
                    m @ ("SCRAM-SHA-512" | "SCRAM-SHA-256" | "PLAIN") => m.to_string(),
                    other => {
                        return Err(format!(
                            "SASL mechanism {other:?} is none of SCRAM-SHA-512, SCRAM-SHA-256, PLAIN"
                        ));
                    }
                };
                settings.push(("sasl.mechanism".into(), mechanism));
                settings.push(("sasl.username".into(), user.clone()));
                settings.push(("sasl.password".into(), password.clone()));
            }
            (true, _, _) => return Err("a SASL protocol needs a username and a password".into()),
            (false, None, None) => {}
            (false, _, _) => {
                return Err(format!(
                    "a SASL username or password is set but the protocol {protocol:?} has no SASL"
                ));
            }
        }
        Ok(settings)
    }
}

/// Makes every Kafka client the process creates from now on use `security`.
pub fn secure(security: &KafkaSecurity) -> Result<(), String> {
    let settings = security.settings()?;
    *SECURITY.write().unwrap_or_else(|e| e.into_inner()) = settings;
    Ok(())
}

/// The security protocol set by [`secure`], unless plaintext.
pub fn security_protocol() -> Option<String> {
    SECURITY
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find(|(key, _)| key == "security.protocol")
        .map(|(_, protocol)| protocol.clone())
        .filter(|protocol| protocol != "plaintext")
}

/// A client configuration for `brokers` with the process's TLS and SASL settings: the start
/// of every Kafka client Mart makes.
pub fn client(brokers: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", brokers);
    for (key, value) in SECURITY.read().unwrap_or_else(|e| e.into_inner()).iter() {
        config.set(key, value);
    }
    config
}

/// Idempotent: a retried send is written once, in order (acks=all is implied).
pub fn idempotent_producer(brokers: &str) -> Result<FutureProducer, KafkaError> {
    client(brokers)
        .set("enable.idempotence", "true")
        .set("linger.ms", PRODUCER_LINGER.as_millis().to_string())
        .set("message.timeout.ms", "30000")
        .create()
}

/// The process's producer for `brokers`, created on first use and shared by every relay of
/// the process until the last one lets it go.
///
/// librdkafka's advice is one producer per process, and here it pays twice. Each producer
/// brings a polling thread, and rust-rdkafka 0.39's thread spins through the last
/// sub-millisecond of every 100 ms poll (`Deadline` rounds the rest down to a zero
/// timeout): with the seven relays of `mart up` each holding its own, that was 82 % of
/// the process's CPU while idle (0.07 of a core, `perf` in bench/LOG.md). Under load one
/// producer also sends one produce request per linger window for all services' topics
/// instead of one per service, and wakes one thread per delivery report batch.
pub fn shared_producer(brokers: &str) -> Result<Arc<FutureProducer>, KafkaError> {
    static SHARED: Mutex<Vec<(String, Weak<FutureProducer>)>> = Mutex::new(Vec::new());
    let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    shared.retain(|(_, producer)| producer.strong_count() > 0);
    if let Some(producer) = shared
        .iter()
        .find(|(b, _)| b == brokers)
        .and_then(|(_, producer)| producer.upgrade())
    {
        return Ok(producer);
    }
    let producer = Arc::new(idempotent_producer(brokers)?);
    shared.push((brokers.to_string(), Arc::downgrade(&producer)));
    Ok(producer)
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
    let mut config = client(brokers);
    config
        .set("group.id", group)
        .set("enable.auto.commit", "true")
        .set("enable.auto.offset.store", "false")
        .set(
            "auto.commit.interval.ms",
            OFFSET_COMMIT_INTERVAL.as_millis().to_string(),
        )
        .set("fetch.wait.max.ms", fetch_wait.as_millis().to_string())
        // A member that died (SIGKILL) holds its partitions until the broker
        // gives up on it: librdkafka's 45 s default would stall the saga for
        // that long after every crash. 10 s is Kafka's usual floor (6 s) with
        // margin for a loaded machine; heartbeats every 3 s give three chances
        // within it. No static membership (`group.instance.id`): it would let a
        // restarted member take its partitions back at once on Apache Kafka, but
        // needs an id unique per replica, which scaled-out containers do not
        // have, and a replica started twice with one id fences the other.
        .set("session.timeout.ms", "10000")
        .set("heartbeat.interval.ms", "3000")
        // librdkafka prefetches into memory until 100,000 messages or 64 MB
        // wait per partition. When the saga falls behind for a moment, every
        // consumer fills that queue, and the process keeps the memory after the
        // queue drains: in the soak, mart grew 8-12 MB in a minute whose p99
        // rose past 1 s, and never gave it back. A consumer applies at most
        // `DEFAULT_BATCH_SIZE` (500) events a round; a few rounds' worth ahead
        // keeps it busy without holding the backlog in memory: the backlog
        // belongs on the broker.
        .set("queued.min.messages", PREFETCH_MESSAGES.to_string())
        .set("queued.max.messages.kbytes", PREFETCH_KBYTES.to_string());
    config
}

/// Messages a consumer fetches ahead of what it applied, per partition.
pub const PREFETCH_MESSAGES: usize = 2_000;
/// The same bound in kilobytes (an order's events are ~1 KB each).
pub const PREFETCH_KBYTES: usize = 4_096;

/// Creates every topic that does not exist yet (some brokers, tansu among them, do
/// not create topics on first use), keeping records for
/// [`crate::retention::TOPIC_RETENTION`].
pub async fn ensure_topics(
    brokers: &str,
    topics: &[String],
    partitions: i32,
) -> Result<(), KafkaError> {
    let wanted: Vec<(String, i32, i32)> =
        topics.iter().map(|t| (t.clone(), partitions, 1)).collect();
    create_missing(brokers, &wanted).await
}

/// Creates every topic of the system that does not exist yet under `prefix`, each with
/// the partitions and replication factor `layout` gives it.
pub async fn ensure_layout(
    brokers: &str,
    prefix: &str,
    layout: &crate::TopicLayout,
) -> Result<(), KafkaError> {
    let wanted: Vec<(String, i32, i32)> = Topic::ALL
        .iter()
        .map(|t| {
            (
                t.name(prefix),
                layout.partitions(*t),
                layout.replication(*t),
            )
        })
        .collect();
    create_missing(brokers, &wanted).await
}

/// Creates each (name, partitions, replication factor) that does not exist yet.
async fn create_missing(brokers: &str, topics: &[(String, i32, i32)]) -> Result<(), KafkaError> {
    let admin: AdminClient<DefaultClientContext> = client(brokers).create()?;
    let retention_ms = crate::retention::TOPIC_RETENTION.as_millis().to_string();
    let new: Vec<NewTopic<'_>> = topics
        .iter()
        .map(|(name, partitions, replication)| {
            NewTopic::new(name, *partitions, TopicReplication::Fixed(*replication))
                // tansu deletes old records only of topics that say so.
                .set("cleanup.policy", "delete")
                .set("retention.ms", &retention_ms)
        })
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

/// Every partition of `topic` at its current end: the assignment of a consumer
/// that must hear everything produced from now on and nothing before (a group
/// join or `auto.offset.reset` would settle the position later, skipping what
/// is produced meanwhile). Blocking (a metadata and a watermark request per
/// partition): call it off the async threads.
pub fn end_of_topic<C: ConsumerContext>(
    consumer: &impl Consumer<C>,
    topic: &str,
    timeout: Duration,
) -> Result<TopicPartitionList, KafkaError> {
    let metadata = consumer.fetch_metadata(Some(topic), timeout)?;
    let mut end = TopicPartitionList::new();
    for partition in metadata
        .topics()
        .iter()
        .filter(|t| t.name() == topic)
        .flat_map(|t| t.partitions())
    {
        let (_, high) = consumer.fetch_watermarks(topic, partition.id(), timeout)?;
        end.add_partition_offset(topic, partition.id(), Offset::Offset(high))?;
    }
    if end.count() == 0 {
        return Err(KafkaError::MetadataFetch(
            RDKafkaErrorCode::UnknownTopicOrPartition,
        ));
    }
    Ok(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The relays of one process share a producer (one polling thread), and it goes away
    /// with the last of them rather than living on in the registry.
    #[test]
    fn relays_of_one_process_share_a_producer_until_the_last_lets_go() {
        let brokers = "127.0.0.1:1";
        let first = shared_producer(brokers).unwrap();
        let second = shared_producer(brokers).unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        let elsewhere = shared_producer("127.0.0.1:2").unwrap();
        assert!(!Arc::ptr_eq(&first, &elsewhere));
        let gone = Arc::downgrade(&first);
        drop((first, second));
        assert!(
            gone.upgrade().is_none(),
            "the registry holds no producer alive"
        );
        let again = shared_producer(brokers).unwrap();
        assert_eq!(
            Arc::strong_count(&again),
            1,
            "a new producer, held by its user only"
        );
    }
}
