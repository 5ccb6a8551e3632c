//! The live feed stops reading the broker while nobody watches, and a subscriber
//! who comes later still hears exactly the changes made after it subscribed.

use std::time::Duration;

use mart_events::catalog::OrderStatusChanged;
use mart_events::{EventEnvelope, kafka};
use mart_orders::live::{self, StatusFeed, Tap, Watch};
use mart_service::testkit;

use mart_service::testkit::{Broker, free_port};
use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

async fn send(producer: &FutureProducer, topic: &str, order: Uuid, to: &str) {
    let change = OrderStatusChanged {
        order_id: order,
        user_id: Uuid::now_v7(),
        from: None,
        to: to.into(),
        reason: None,
        at: chrono::Utc::now(),
    };
    let payload = serde_json::to_vec(&EventEnvelope::wrap(&change)).unwrap();
    let key = order.to_string();
    producer
        .send(
            FutureRecord::to(topic).key(&key).payload(&payload),
            Duration::from_secs(10),
        )
        .await
        .map_err(|(e, _)| e)
        .expect("the broker takes the change");
}

async fn next_status(changes: &mut live::Changes) -> String {
    tokio::time::timeout(Duration::from_secs(20), changes.recv())
        .await
        .expect("a change arrives")
        .expect("the feed is open")
        .change
        .to
        .clone()
}

#[tokio::test]
async fn a_feed_nobody_watches_pauses_and_a_later_subscriber_hears_only_what_follows() {
    let config = testkit::isolated_config("live_pause");
    let topic = live::topic(&config.topic_prefix);
    kafka::ensure_topics(&config.kafka_brokers, std::slice::from_ref(&topic), 1)
        .await
        .unwrap();
    let producer = kafka::idempotent_producer(&config.kafka_brokers).unwrap();
    let group = format!("{}live", config.topic_prefix);
    let tap = Tap::connect(&config.kafka_brokers, &group, topic.clone())
        .await
        .unwrap();
    assert!(!tap.is_listening().await, "nobody watches yet");
    let feed = StatusFeed::new(16, tap.clone());
    let shutdown = CancellationToken::new();
    tokio::spawn(live::run(
        feed.clone(),
        Duration::from_millis(200),
        shutdown.clone(),
    ));

    let order = Uuid::now_v7();
    let mut first = feed.subscribe(Watch::Order(order)).await.unwrap();
    assert!(tap.is_listening().await);
    send(&producer, &topic, order, "PENDING").await;
    assert_eq!(next_status(&mut first).await, "PENDING");
    drop(first);

    testkit::eventually(
        "the unwatched feed to pause",
        Duration::from_secs(10),
        || {
            let tap = tap.clone();
            async move { (!tap.is_listening().await).then_some(()) }
        },
    )
    .await;
    // Made while nobody watched: no later subscriber may hear it.
    send(&producer, &topic, order, "RESERVED").await;

    let mut second = feed.subscribe(Watch::Order(order)).await.unwrap();
    send(&producer, &topic, order, "CONFIRMED").await;
    assert_eq!(next_status(&mut second).await, "CONFIRMED");
    shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_broker_gone_a_subscription_is_refused_instead_of_waiting() {
    let dir = std::env::temp_dir().join(format!("mart-tap-{}", testkit::unique_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let broker = Broker::start(&dir, port);
    broker.wait_until_listening().await;
    let brokers = format!("127.0.0.1:{port}");
    let topic = live::topic("tap.");
    kafka::ensure_topics(&brokers, std::slice::from_ref(&topic), 1)
        .await
        .unwrap();
    let tap = Tap::connect(&brokers, "tap.live", topic).await.unwrap();
    let feed = StatusFeed::new(16, tap);
    broker.kill();

    let waiting = (0..3).map(|_| feed.subscribe(Watch::Order(Uuid::now_v7())));
    let answers = tokio::time::timeout(Duration::from_secs(30), futures::future::join_all(waiting))
        .await
        .expect("every subscriber gets an answer");
    assert!(answers.iter().all(Result::is_err));
    let _ = std::fs::remove_dir_all(&dir);
}
