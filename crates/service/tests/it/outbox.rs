use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use diesel::sql_types::{BigInt, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use mart_events::catalog::ProductArchived;
use mart_events::consumer::{Applied, apply_once};
use mart_events::{EventEnvelope, EventHandler, HandlerError, OutboxRelay, OutboxSignal, Topic};
use mart_service::testkit::{eventually, isolated_config};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::kafka_support::{create_topic, read_topic, test_database};

fn relay(db: &mart_service::Database, prefix: &str, signal: OutboxSignal) -> OutboxRelay {
    let producer = mart_events::kafka::idempotent_producer(
        &mart_service::ServiceConfig::from_env()
            .unwrap()
            .kafka_brokers,
    )
    .unwrap();
    OutboxRelay::new(db.pool().clone(), producer, prefix, signal)
}

async fn insert_widget_with_event(conn: &mut AsyncPgConnection, id: Uuid) -> EventEnvelope {
    conn.transaction::<_, diesel::result::Error, _>(async |c| {
        diesel::sql_query("INSERT INTO widgets (id) VALUES ($1)")
            .bind::<SqlUuid, _>(id)
            .execute(c)
            .await?;
        mart_events::enqueue(c, &ProductArchived { product_id: id }).await
    })
    .await
    .unwrap()
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn count(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .await
        .unwrap()
        .n
}

#[tokio::test(flavor = "multi_thread")]
async fn committed_event_reaches_kafka_and_rolled_back_one_never_does() {
    let config = isolated_config("outbox_commit");
    let db = test_database(&config).await;
    let topic = Topic::Products.name(&config.topic_prefix);
    create_topic(&config, &topic).await;
    let mut conn = db.conn().await.unwrap();

    // A change that rolls back takes its event with it.
    let doomed = Uuid::new_v4();
    let rolled_back = conn
        .transaction::<(), diesel::result::Error, _>(async |c| {
            diesel::sql_query("INSERT INTO widgets (id) VALUES ($1)")
                .bind::<SqlUuid, _>(doomed)
                .execute(c)
                .await?;
            mart_events::enqueue(c, &ProductArchived { product_id: doomed }).await?;
            Err(diesel::result::Error::RollbackTransaction)
        })
        .await;
    assert!(rolled_back.is_err());
    let committed = insert_widget_with_event(&mut conn, Uuid::new_v4()).await;

    let signal = OutboxSignal::new();
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(relay(&db, &config.topic_prefix, signal.clone()).run(shutdown.clone()));
    signal.committed();

    let got = read_topic(&config, &topic, Duration::from_secs(20), |s| !s.is_empty()).await;
    shutdown.cancel();
    task.await.unwrap();
    assert_eq!(got.len(), 1, "exactly the committed event: {got:?}");
    assert_eq!(got[0].id, committed.id);
    assert_eq!(got[0].event_type, "product.archived");
    assert_eq!(got[0].aggregate_id, committed.aggregate_id);
    // The relay recorded it as sent; nothing of the rolled-back change is left.
    let unsent = count(
        &mut conn,
        "SELECT count(*) AS n FROM outbox_events WHERE published_at IS NULL",
    )
    .await;
    assert_eq!(unsent, 0);
    let rows = count(&mut conn, "SELECT count(*) AS n FROM outbox_events").await;
    assert_eq!(rows, 1);
}

/// Records what it applies, to count effects.
struct RecordWidget;

impl EventHandler for RecordWidget {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a EventEnvelope,
    ) -> mart_events::consumer::HandlerFuture<'a> {
        Box::pin(async move {
            let e: ProductArchived = event.decode()?;
            diesel::sql_query("INSERT INTO applied (widget) VALUES ($1)")
                .bind::<SqlUuid, _>(e.product_id)
                .execute(conn)
                .await
                .map_err(|e| HandlerError::Transient(e.to_string()))?;
            Ok(())
        })
    }
}

async fn create_applied_table(conn: &mut AsyncPgConnection) {
    // No unique constraint on purpose: a second application would show as a second row.
    diesel::sql_query("CREATE TABLE IF NOT EXISTS applied (widget UUID NOT NULL)")
        .execute(conn)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn relay_restarted_midway_resends_and_consumer_applies_each_once() {
    let config = isolated_config("outbox_restart");
    let db = test_database(&config).await;
    let topic = Topic::Products.name(&config.topic_prefix);
    create_topic(&config, &topic).await;
    let mut conn = db.conn().await.unwrap();
    create_applied_table(&mut conn).await;

    let mut ids = Vec::new();
    for _ in 0..30 {
        ids.push(insert_widget_with_event(&mut conn, Uuid::new_v4()).await.id);
    }

    // The first relay gets one batch out, then "crashes" after sending five of its
    // events but before recording them: those rows are unsent again.
    let mut first = relay(&db, &config.topic_prefix, OutboxSignal::new());
    first.batch_size = 10;
    assert_eq!(first.publish_batch().await.unwrap(), 10);
    drop(first);
    let reset = diesel::sql_query(
        "UPDATE outbox_events SET published_at = NULL WHERE seq IN \
         (SELECT seq FROM outbox_events WHERE published_at IS NOT NULL ORDER BY seq LIMIT 5)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    assert_eq!(reset, 5);

    // A new relay picks up where the first left off.
    let shutdown = CancellationToken::new();
    let second =
        tokio::spawn(relay(&db, &config.topic_prefix, OutboxSignal::new()).run(shutdown.clone()));
    let got = read_topic(&config, &topic, Duration::from_secs(30), |s| s.len() >= 35).await;
    shutdown.cancel();
    second.await.unwrap();

    let mut times: HashMap<Uuid, usize> = HashMap::new();
    for e in &got {
        *times.entry(e.id).or_default() += 1;
    }
    for id in &ids {
        assert!(times.contains_key(id), "event {id} was lost");
    }
    assert_eq!(got.len(), 35, "30 events plus the 5 re-sent");
    assert_eq!(times.values().filter(|n| **n == 2).count(), 5);

    // Applying the whole stream, duplicates included, has one effect per event.
    let handler = RecordWidget;
    let mut outcomes = Vec::new();
    for e in &got {
        outcomes.push(
            apply_once(&mut conn, "test.widgets", &handler, e)
                .await
                .unwrap(),
        );
    }
    assert_eq!(
        outcomes.iter().filter(|o| **o == Applied::Before).count(),
        5
    );
    assert_eq!(
        count(&mut conn, "SELECT count(*) AS n FROM applied").await,
        30
    );
    assert_eq!(
        count(&mut conn, "SELECT count(DISTINCT widget) AS n FROM applied").await,
        30
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn consumer_applies_a_redelivered_event_once() {
    let config = isolated_config("consumer_dup");
    let db = test_database(&config).await;
    let topic = Topic::Products.name(&config.topic_prefix);
    create_topic(&config, &topic).await;
    let mut conn = db.conn().await.unwrap();
    create_applied_table(&mut conn).await;

    // The same envelope published twice, as a relay crash would cause.
    let widget = Uuid::new_v4();
    let event = EventEnvelope::wrap(&ProductArchived { product_id: widget });
    let marker = EventEnvelope::wrap(&ProductArchived {
        product_id: Uuid::new_v4(),
    });
    for e in [&event, &marker] {
        mart_events::outbox::enqueue_envelope(&conn, Topic::Products.as_str(), e)
            .await
            .unwrap();
    }
    // The outbox holds an event id once, so the copy goes to Kafka directly.
    let producer = mart_events::kafka::idempotent_producer(&config.kafka_brokers).unwrap();
    let payload = serde_json::to_vec(&event).unwrap();
    producer
        .send(
            rdkafka::producer::FutureRecord::to(&topic)
                .key(&event.aggregate_id)
                .payload(&payload),
            Duration::from_secs(10),
        )
        .await
        .map_err(|(e, _)| e)
        .unwrap();

    let shutdown = CancellationToken::new();
    let relay_task =
        tokio::spawn(relay(&db, &config.topic_prefix, OutboxSignal::new()).run(shutdown.clone()));
    let settings = mart_events::ConsumerSettings {
        brokers: config.kafka_brokers.clone(),
        group_id: config.prefixed("widgets"),
        topics: vec![topic.clone()],
        name: "widgets".into(),
        batch_size: mart_events::ConsumerSettings::DEFAULT_BATCH_SIZE,
        fetch_wait: mart_events::Urgency::Interactive.fetch_wait(),
        health: Arc::new(mart_events::ConsumerHealth::new("widgets", "widgets")),
    };
    let consumer = tokio::spawn(mart_events::run_consumer(
        db.pool().clone(),
        settings,
        Arc::new(RecordWidget),
        None,
        shutdown.clone(),
    ));

    // Both the event and the marker behind it are applied; the copy is not.
    eventually(
        "the marker event to be applied",
        Duration::from_secs(30),
        || {
            let pool = db.pool().clone();
            async move {
                let mut c = pool.get().await.ok()?;
                let n = count(&mut c, "SELECT count(*) AS n FROM processed_events").await;
                (n == 2).then_some(())
            }
        },
    )
    .await;
    shutdown.cancel();
    relay_task.await.unwrap();
    consumer.await.unwrap().unwrap();
    let applied = count(
        &mut conn,
        &format!("SELECT count(*) AS n FROM applied WHERE widget = '{widget}'"),
    )
    .await;
    assert_eq!(applied, 1, "a redelivered event must not apply twice");
}

/// Two replicas' relays on one outbox, each taking one row at a time: the events reach
/// the topic in the order they were written. When each relay took the next unlocked rows
/// (`SKIP LOCKED`), the two sent neighbouring rows at once and the later one could land
/// first.
#[tokio::test(flavor = "multi_thread")]
async fn two_relays_publish_in_the_order_events_were_written() {
    let config = isolated_config("outbox_two_relays");
    let db = test_database(&config).await;
    let topic = Topic::Products.name(&config.topic_prefix);
    create_topic(&config, &topic).await;
    let mut conn = db.conn().await.unwrap();
    let mut written = Vec::new();
    for _ in 0..120 {
        written.push(insert_widget_with_event(&mut conn, Uuid::new_v4()).await.id);
    }

    let shutdown = CancellationToken::new();
    let replicas: Vec<_> = (0..2)
        .map(|_| {
            let mut relay = relay(&db, &config.topic_prefix, OutboxSignal::new());
            relay.batch_size = 1;
            relay.poll_interval = Duration::from_millis(5);
            tokio::spawn(relay.run(shutdown.clone()))
        })
        .collect();
    let got = read_topic(&config, &topic, Duration::from_secs(60), |s| {
        s.len() >= written.len()
    })
    .await;
    shutdown.cancel();
    for replica in replicas {
        replica.await.unwrap();
    }
    let sent: Vec<Uuid> = got.iter().map(|e| e.id).collect();
    let misplaced = sent.iter().zip(&written).filter(|(s, w)| s != w).count();
    assert_eq!(sent.len(), written.len(), "every event once");
    assert_eq!(
        misplaced,
        0,
        "{misplaced} of {} events reached the topic out of the order they were written",
        written.len()
    );
}
