//! The consumer's rounds: skipped types, batches sharing a transaction, and a
//! rejected event in the middle of a batch.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use diesel::sql_types::{BigInt, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use mart_events::catalog::ProductArchived;
use mart_events::consumer::HandlerFuture;
use mart_events::{
    ConsumerSettings, EventEnvelope, EventHandler, HandlerError, OutboxRelay, OutboxSignal, Topic,
    Urgency,
};
use mart_service::testkit::{eventually, isolated_config};
use mart_service::{Database, ServiceConfig};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::kafka_support::{TestDatabase, create_topic, test_database};

/// Records the widget of every `product.archived` it is given; rejects the
/// widgets in `poison` as malformed.
pub(crate) struct Archive {
    pub poison: HashSet<Uuid>,
}

impl EventHandler for Archive {
    fn wants(&self, event_type: &str) -> bool {
        event_type == "product.archived"
    }

    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a EventEnvelope,
    ) -> HandlerFuture<'a> {
        Box::pin(async move {
            let e: ProductArchived = event.decode()?;
            if self.poison.contains(&e.product_id) {
                return Err(HandlerError::Permanent("poisoned widget".into()));
            }
            diesel::sql_query("INSERT INTO applied (widget) VALUES ($1)")
                .bind::<SqlUuid, _>(e.product_id)
                .execute(conn)
                .await?;
            Ok(())
        })
    }
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

pub(crate) async fn count(db: &Database, sql: &str) -> i64 {
    let mut conn = db.conn().await.unwrap();
    diesel::sql_query(sql)
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .n
}

pub(crate) fn archived(widget: Uuid) -> EventEnvelope {
    EventEnvelope::wrap(&ProductArchived { product_id: widget })
}

/// An envelope of a type the handler does not want.
fn noise() -> EventEnvelope {
    EventEnvelope {
        event_type: "product.noise".into(),
        ..archived(Uuid::new_v4())
    }
}

pub(crate) struct Running {
    shutdown: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    pub(crate) async fn stop(self) {
        self.shutdown.cancel();
        for task in self.tasks {
            task.await.unwrap();
        }
    }
}

/// The outbox relay and a consumer of the products topic in group `widgets`.
pub(crate) fn start(config: &ServiceConfig, db: &Database, handler: Archive) -> Running {
    let mut running = start_consumer(config, db, handler);
    let producer = mart_events::kafka::idempotent_producer(&config.kafka_brokers).unwrap();
    let relay = OutboxRelay::new(
        db.pool().clone(),
        producer,
        config.topic_prefix.clone(),
        OutboxSignal::new(),
    );
    running
        .tasks
        .push(tokio::spawn(relay.run(running.shutdown.clone())));
    running
}

/// A consumer of the products topic in group `widgets`, for a test that runs
/// its own relay (a second one would race it for the outbox rows).
pub(crate) fn start_consumer(config: &ServiceConfig, db: &Database, handler: Archive) -> Running {
    let shutdown = CancellationToken::new();
    let settings = ConsumerSettings {
        brokers: config.kafka_brokers.clone(),
        group_id: config.prefixed("widgets"),
        topics: vec![Topic::Products.name(&config.topic_prefix)],
        name: "widgets".into(),
        batch_size: ConsumerSettings::DEFAULT_BATCH_SIZE,
        fetch_wait: Urgency::Interactive.fetch_wait(),
        health: Arc::new(mart_events::ConsumerHealth::new("widgets", "widgets")),
    };
    let consumer = mart_events::run_consumer(
        db.pool().clone(),
        settings,
        Arc::new(handler),
        None,
        shutdown.clone(),
    );
    Running {
        tasks: vec![tokio::spawn(async move { consumer.await.unwrap() })],
        shutdown,
    }
}

pub(crate) async fn prepare(label: &str) -> (ServiceConfig, TestDatabase) {
    let config = isolated_config(label);
    let db = test_database(&config).await;
    create_topic(&config, &Topic::Products.name(&config.topic_prefix)).await;
    let mut conn = db.conn().await.unwrap();
    diesel::sql_query("CREATE TABLE applied (widget UUID NOT NULL)")
        .execute(&mut conn)
        .await
        .unwrap();
    (config, db)
}

pub(crate) async fn enqueue_all(db: &Database, events: &[EventEnvelope]) {
    let conn = db.conn().await.unwrap();
    for e in events {
        mart_events::outbox::enqueue_envelope(&conn, Topic::Products.as_str(), e)
            .await
            .unwrap();
    }
}

/// The group's committed position on the topic's only partition.
fn committed(config: &ServiceConfig) -> i64 {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &config.kafka_brokers)
        .set("group.id", config.prefixed("widgets"))
        .create()
        .unwrap();
    let mut partitions = TopicPartitionList::new();
    partitions.add_partition(&Topic::Products.name(&config.topic_prefix), 0);
    let offsets = consumer
        .committed_offsets(partitions, Duration::from_secs(10))
        .unwrap();
    match offsets.elements()[0].offset() {
        Offset::Offset(n) => n,
        _ => 0,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn skipped_types_are_never_recorded_but_their_offsets_are_committed() {
    let (config, db) = prepare("consumer_skip").await;
    let widgets: Vec<Uuid> = (0..20).map(|_| Uuid::new_v4()).collect();
    let mut events = Vec::new();
    for w in &widgets {
        events.push(archived(*w));
        events.push(noise());
    }
    enqueue_all(&db, &events).await;
    let running = start(
        &config,
        &db,
        Archive {
            poison: HashSet::new(),
        },
    );

    eventually(
        "every wanted event applied",
        Duration::from_secs(30),
        || async { (count(&db, "SELECT count(*) AS n FROM applied").await == 20).then_some(()) },
    )
    .await;
    // All 40 messages are behind the group, the 20 skipped ones included.
    eventually("the offsets committed", Duration::from_secs(30), || async {
        (committed(&config) == 40).then_some(())
    })
    .await;
    running.stop().await;
    let recorded = count(&db, "SELECT count(*) AS n FROM processed_events").await;
    assert_eq!(recorded, 20, "only the wanted events are recorded");
    let distinct = count(&db, "SELECT count(DISTINCT widget) AS n FROM applied").await;
    assert_eq!(distinct, 20);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_event_is_skipped_and_the_rest_of_its_batch_applied_once() {
    let (config, db) = prepare("consumer_reject").await;
    let poisoned = Uuid::new_v4();
    let widgets: Vec<Uuid> = (0..10).map(|_| Uuid::new_v4()).collect();
    // One batch's worth: the poisoned event in the middle, and one event twice.
    let mut events: Vec<EventEnvelope> = widgets[..5].iter().map(|w| archived(*w)).collect();
    events.push(archived(poisoned));
    events.extend(widgets[5..].iter().map(|w| archived(*w)));
    enqueue_all(&db, &events).await;
    let running = start(
        &config,
        &db,
        Archive {
            poison: HashSet::from([poisoned]),
        },
    );
    // The copy goes to Kafka directly: the outbox holds an event id once.
    let producer = mart_events::kafka::idempotent_producer(&config.kafka_brokers).unwrap();
    let copy = serde_json::to_vec(&events[2]).unwrap();
    producer
        .send(
            rdkafka::producer::FutureRecord::to(&Topic::Products.name(&config.topic_prefix))
                .key(&events[2].aggregate_id)
                .payload(&copy),
            Duration::from_secs(10),
        )
        .await
        .map_err(|(e, _)| e)
        .unwrap();

    eventually("the other ten applied", Duration::from_secs(30), || async {
        (count(&db, "SELECT count(*) AS n FROM processed_events").await == 10).then_some(())
    })
    .await;
    eventually("the offsets committed", Duration::from_secs(30), || async {
        (committed(&config) == 12).then_some(())
    })
    .await;
    running.stop().await;
    assert_eq!(count(&db, "SELECT count(*) AS n FROM applied").await, 10);
    let poisoned_applied = count(
        &db,
        &format!("SELECT count(*) AS n FROM applied WHERE widget = '{poisoned}'"),
    )
    .await;
    assert_eq!(poisoned_applied, 0);
    let poisoned_event = events[5].id;
    let dead = count(
        &db,
        &format!(
            "SELECT count(*) AS n FROM dead_letters WHERE stage = 'consume' \
             AND consumer = 'widgets' AND event_id = '{poisoned_event}' AND error LIKE '%poisoned widget%'"
        ),
    )
    .await;
    assert_eq!(dead, 1, "the rejected event is kept as a dead letter");
}
