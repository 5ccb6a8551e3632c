//! The pipeline's tables and topics do not grow without end: old published
//! outbox rows and old processed-event ids are pruned, and topics are created
//! with a retention the broker applies.

use std::time::Duration;

use diesel_async::RunQueryDsl;
use mart_events::retention::{Pruned, Retention, TOPIC_RETENTION, prune};
use mart_service::testkit::isolated_config;
use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, ResourceSpecifier};
use rdkafka::client::DefaultClientContext;

use crate::consumer::count;
use crate::kafka_support::{create_topic, test_database};

#[tokio::test(flavor = "multi_thread")]
async fn pruning_keeps_what_redelivery_and_replay_need_and_deletes_the_rest() {
    let config = isolated_config("retention_prune");
    let db = test_database(&config).await;
    let mut conn = db.conn().await.unwrap();
    // (published how long ago, dead letter waiting)
    let rows = [
        ("'2 hours'", false),    // pruned
        ("'20 seconds'", false), // kept: recent
        ("'2 hours'", true),     // kept: its dead letter may be replayed
    ];
    for (i, (ago, dead)) in rows.iter().enumerate() {
        let id = uuid::Uuid::now_v7();
        diesel::sql_query(format!(
            "INSERT INTO outbox_events (event_id, topic, message_key, envelope, created_at, published_at) \
             VALUES ('{id}', 'products', 'k{i}', '{{}}', now() - interval {ago}, now() - interval {ago})"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
        if *dead {
            diesel::sql_query(format!(
                "INSERT INTO dead_letters (stage, topic, event_id, payload, error) \
                 VALUES ('publish', 'products', '{id}', '\\x00', 'too large')"
            ))
            .execute(&mut conn)
            .await
            .unwrap();
        }
    }
    // Never published, however old: kept.
    diesel::sql_query(
        "INSERT INTO outbox_events (event_id, topic, message_key, envelope, created_at) \
         VALUES (gen_random_uuid(), 'products', 'unsent', '{}', now() - interval '3 days')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    for ago in ["'9 days'", "'6 days'"] {
        diesel::sql_query(format!(
            "INSERT INTO processed_events (consumer, event_id, processed_at) \
             VALUES ('widgets', gen_random_uuid(), now() - interval {ago})"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }

    let pruned = prune(&mut conn, &Retention::default()).await.unwrap();
    assert_eq!(
        pruned,
        Pruned {
            outbox: 1,
            processed: 1
        }
    );
    assert_eq!(
        count(&db, "SELECT count(*) AS n FROM outbox_events").await,
        3
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) AS n FROM processed_events WHERE processed_at > now() - interval '7 days'"
        )
        .await,
        1
    );
    let again = prune(&mut conn, &Retention::default()).await.unwrap();
    assert_eq!(again, Pruned::default());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_backlog_is_pruned_in_chunks_to_the_last_row() {
    let config = isolated_config("retention_chunks");
    let db = test_database(&config).await;
    let mut conn = db.conn().await.unwrap();
    // More than two chunks of old ids, beside recent ones that stay.
    diesel::sql_query(
        "INSERT INTO processed_events (consumer, event_id, processed_at) \
         SELECT 'widgets', gen_random_uuid(), now() - interval '10 days' + n * interval '1 ms' \
         FROM generate_series(1, 25000) n \
         UNION ALL \
         SELECT 'widgets', gen_random_uuid(), now() - interval '1 day' FROM generate_series(1, 500)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let pruned = prune(&mut conn, &Retention::default()).await.unwrap();
    assert_eq!(pruned.processed, 25_000);
    assert_eq!(
        count(&db, "SELECT count(*) AS n FROM processed_events").await,
        500
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn topics_are_created_with_a_retention_the_broker_keeps() {
    let config = isolated_config("retention_topic");
    let topic = format!("{}products", config.topic_prefix);
    create_topic(&config, &topic).await;
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", &config.kafka_brokers)
        .create()
        .unwrap();
    let options = AdminOptions::new().request_timeout(Some(Duration::from_secs(10)));
    let described = admin
        .describe_configs([&ResourceSpecifier::Topic(&topic)], &options)
        .await
        .unwrap();
    let resource = described.into_iter().next().unwrap().unwrap();
    let value = |name: &str| {
        resource
            .get(name)
            .and_then(|e| e.value.clone())
            .unwrap_or_default()
    };
    assert_eq!(value("cleanup.policy"), "delete");
    assert_eq!(
        value("retention.ms"),
        TOPIC_RETENTION.as_millis().to_string()
    );
}
