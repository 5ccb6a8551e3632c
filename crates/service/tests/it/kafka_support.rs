use std::time::Duration;

use diesel_async::RunQueryDsl;
use mart_events::EventEnvelope;
use mart_service::testkit::DropDatabases;
use mart_service::{Database, ServiceConfig};
use rdkafka::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::Message;

/// A test's database: a [`Database`] that is dropped with the test.
pub struct TestDatabase {
    db: Database,
    _drop: DropDatabases,
}

impl std::ops::Deref for TestDatabase {
    type Target = Database;
    fn deref(&self) -> &Database {
        &self.db
    }
}

/// A database with the outbox tables and a `widgets` table standing in for a
/// service's business data.
pub async fn test_database(config: &ServiceConfig) -> TestDatabase {
    let guard = DropDatabases::new(config);
    let name = format!("{}widgets", config.database_prefix);
    let db = Database::open_named(config, &name, &[&mart_events::MIGRATIONS])
        .await
        .expect("test database");
    let mut conn = db.conn().await.unwrap();
    diesel::sql_query("CREATE TABLE IF NOT EXISTS widgets (id UUID PRIMARY KEY)")
        .execute(&mut conn)
        .await
        .unwrap();
    TestDatabase { db, _drop: guard }
}

pub async fn create_topic(config: &ServiceConfig, topic: &str) {
    mart_events::kafka::ensure_topics(&config.kafka_brokers, &[topic.to_string()], 1)
        .await
        .expect("topic created");
}

/// Reads envelopes from the start of `topic` until `until` says it has enough or
/// `timeout` passes; returns what arrived.
pub async fn read_topic(
    config: &ServiceConfig,
    topic: &str,
    timeout: Duration,
    until: impl Fn(&[EventEnvelope]) -> bool,
) -> Vec<EventEnvelope> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &config.kafka_brokers)
        .set(
            "group.id",
            format!("reader-{}", mart_service::testkit::unique_suffix()),
        )
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    consumer.subscribe(&[topic]).unwrap();
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + timeout;
    while !until(&seen) {
        let Ok(message) = tokio::time::timeout_at(deadline, consumer.recv()).await else {
            break;
        };
        let message = message.expect("kafka receive");
        let envelope: EventEnvelope =
            serde_json::from_slice(message.payload().expect("payload")).expect("an envelope");
        seen.push(envelope);
    }
    seen
}
