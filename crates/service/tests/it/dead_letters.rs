//! Messages the pipeline cannot pass on end in the service's dead-letter table,
//! with their bytes and the reason, while the messages behind them flow; staff
//! can replay one once its cause is fixed.

use std::collections::HashSet;
use std::time::Duration;

use diesel_async::RunQueryDsl;
use mart_events::relay::MAX_ENVELOPE_BYTES;
use mart_events::{EventEnvelope, OutboxRelay, OutboxSignal, Topic};
use mart_service::testkit::eventually;
use rdkafka::ClientConfig;
use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::consumer::{Archive, archived, count, enqueue_all, prepare, start, start_consumer};

/// A consumer's handler that rejects nothing itself.
fn archive() -> Archive {
    Archive {
        poison: HashSet::new(),
    }
}

/// Waits until `widget` was applied `times` times.
async fn applied(db: &mart_service::Database, widget: Uuid, times: i64) {
    let what = format!("widget {widget} applied {times} times");
    eventually(&what, Duration::from_secs(30), || async {
        let sql = format!("SELECT count(*) AS n FROM applied WHERE widget = '{widget}'");
        (count(db, &sql).await == times).then_some(())
    })
    .await;
}

/// `product.archived` with a field of `bytes` bytes in its payload.
fn padded(bytes: usize) -> EventEnvelope {
    let mut envelope = archived(Uuid::new_v4());
    envelope.payload["padding"] = serde_json::Value::String("x".repeat(bytes));
    envelope
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_the_broker_refuses_are_dead_lettered_and_the_rows_behind_them_sent() {
    let (config, db) = prepare("dead_relay").await;
    // A broker that accepts 100 kB messages: the second row is under the
    // relay's own limit but over the broker's, the third over both.
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &config.kafka_brokers)
        .set("enable.idempotence", "true")
        .set("message.max.bytes", "100000")
        .create()
        .unwrap();
    let (first, after) = (Uuid::new_v4(), Uuid::new_v4());
    let events = vec![
        archived(first),
        padded(150_000),
        padded(MAX_ENVELOPE_BYTES + 1),
        archived(after),
    ];
    enqueue_all(&db, &events).await;
    let shutdown = CancellationToken::new();
    let relay = OutboxRelay::new(
        db.pool().clone(),
        producer,
        config.topic_prefix.clone(),
        OutboxSignal::new(),
    );
    let relay = tokio::spawn(relay.run(shutdown.clone()));
    // Only the relay above, with the broker's small limit, may publish these rows.
    let consumer = start_consumer(&config, &db, archive());

    eventually(
        "the events around them applied",
        Duration::from_secs(30),
        || async {
            let sql =
                format!("SELECT count(*) AS n FROM applied WHERE widget IN ('{first}', '{after}')");
            (count(&db, &sql).await == 2).then_some(())
        },
    )
    .await;
    // The relay commits its batch (the dead letters with it) only after the
    // broker acknowledged the rest, so the consumer may apply them first.
    eventually("the outbox settled", Duration::from_secs(30), || async {
        let sql = "SELECT count(*) AS n FROM outbox_events WHERE published_at IS NULL";
        (count(&db, sql).await == 0).then_some(())
    })
    .await;
    for (event, reason) in [(&events[1], "too large"), (&events[2], "limit of")] {
        let sql = format!(
            "SELECT count(*) AS n FROM dead_letters WHERE stage = 'publish' AND event_id = '{}' \
             AND event_type = 'product.archived' AND error ILIKE '%{reason}%' AND length(payload) > 100000",
            event.id
        );
        if count(&db, &sql).await != 1 {
            panic!(
                "{reason}: event {} not dead-lettered as expected; dead letters: {:?}",
                event.id,
                dead_letters(&db).await
            );
        }
    }
    shutdown.cancel();
    relay.await.unwrap();
    consumer.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_undecodable_message_is_dead_lettered_with_its_bytes_and_the_next_applied() {
    let (config, db) = prepare("dead_decode").await;
    let topic = Topic::Products.name(&config.topic_prefix);
    let producer = mart_events::kafka::idempotent_producer(&config.kafka_brokers).unwrap();
    let garbage: &[u8] = b"\x00\xffnot json at all";
    producer
        .send(
            FutureRecord::to(&topic).key("k").payload(garbage),
            Duration::from_secs(10),
        )
        .await
        .map_err(|(e, _)| e)
        .unwrap();
    let widget = Uuid::new_v4();
    enqueue_all(&db, &[archived(widget)]).await;
    let consumer = start(&config, &db, archive());
    applied(&db, widget, 1).await;
    let mut conn = db.conn().await.unwrap();
    let letters = mart_events::dead_letter::list(&mut conn, false, 10)
        .await
        .unwrap();
    assert_eq!(letters.len(), 1, "{letters:?}");
    let letter = &letters[0];
    assert_eq!(letter.payload, garbage, "the bytes as they were");
    assert_eq!(
        (
            letter.stage.as_str(),
            letter.topic.as_str(),
            letter.partition,
            letter.offset
        ),
        ("consume", topic.as_str(), Some(0), Some(0))
    );
    assert!(
        letter.error.contains("not an event envelope"),
        "{}",
        letter.error
    );
    consumer.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_constraint_violation_is_dead_lettered_and_replays_once_its_cause_is_gone() {
    let (config, db) = prepare("dead_replay").await;
    let mut conn = db.conn().await.unwrap();
    diesel::sql_query("CREATE UNIQUE INDEX applied_once ON applied (widget)")
        .execute(&mut conn)
        .await
        .unwrap();
    // Two events about one widget: the second breaks the unique index every
    // time it is tried, so retrying cannot help.
    let (widget, after) = (Uuid::new_v4(), Uuid::new_v4());
    let events = vec![archived(widget), archived(widget), archived(after)];
    enqueue_all(&db, &events).await;
    let consumer = start(&config, &db, archive());
    applied(&db, after, 1).await;
    let letters = eventually("the dead letter", Duration::from_secs(30), || async {
        let mut conn = db.conn().await.unwrap();
        let letters = mart_events::dead_letter::list(&mut conn, false, 10)
            .await
            .unwrap();
        (!letters.is_empty()).then_some(letters)
    })
    .await;
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].event_id, Some(events[1].id));
    assert!(
        letters[0].error.contains("applied_once"),
        "{}",
        letters[0].error
    );

    // Staff remove the cause, then replay it through the normal path.
    diesel::sql_query("DROP INDEX applied_once")
        .execute(&mut conn)
        .await
        .unwrap();
    let producer = mart_events::kafka::idempotent_producer(&config.kafka_brokers).unwrap();
    mart_events::dead_letter::replay(&mut conn, &producer, letters[0].id)
        .await
        .unwrap();
    applied(&db, widget, 2).await;
    let again = mart_events::dead_letter::replay(&mut conn, &producer, letters[0].id).await;
    assert!(again.is_err(), "a dead letter replays once");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) AS n FROM dead_letters WHERE replayed_at IS NULL"
        )
        .await,
        0
    );
    consumer.stop().await;
}

/// Every dead letter of `db`, for a failure message.
async fn dead_letters(db: &mart_service::Database) -> Vec<(Option<Uuid>, String, String, i32)> {
    #[derive(diesel::QueryableByName)]
    struct Letter {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
        event_id: Option<Uuid>,
        #[diesel(sql_type = diesel::sql_types::Text)]
        stage: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        error: String,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        bytes: i32,
    }
    let mut conn = db.conn().await.unwrap();
    diesel::sql_query(
        "SELECT event_id, stage, error, length(payload) AS bytes FROM dead_letters ORDER BY id",
    )
    .load::<Letter>(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .map(|l| (l.event_id, l.stage, l.error, l.bytes))
    .collect()
}
