//! Delivery guarantees around the consumer and the senders: a redelivered
//! event makes no second notification; every published notification reaches
//! the configured senders once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mart_events::{DomainEvent, EventEnvelope};
use mart_notifications::{NotificationSender, SendFuture, storage::NotificationRow};
use rdkafka::producer::FutureRecord;
use uuid::Uuid;

use crate::support::{Harness, TIMEOUT, order_placed};

#[tokio::test(flavor = "multi_thread")]
async fn a_redelivered_event_makes_one_notification() {
    let h = Harness::start("notify_redelivery").await;
    let ada = h.customer();
    let placed = order_placed(Uuid::now_v7(), ada.id, "M-6001");
    let envelope = EventEnvelope::wrap(&placed);
    let producer = mart_events::kafka::idempotent_producer(&h.brokers).unwrap();
    let topic = format!(
        "{}{}",
        h.topic_prefix,
        mart_events::catalog::OrderPlaced::TOPIC.as_str()
    );
    let payload = serde_json::to_vec(&envelope).unwrap();
    for _ in 0..2 {
        producer
            .send(
                FutureRecord::to(&topic)
                    .key(&envelope.aggregate_id)
                    .payload(&payload),
                Duration::from_secs(10),
            )
            .await
            .expect("the broker takes the event");
    }
    // Behind both copies on the same partition: once it is in, both were handled.
    h.place(ada.id, "M-6002").await;
    let nodes = h.history_of(&ada, 2).await;
    let titles: Vec<&str> = nodes.iter().map(|n| n["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Order M-6002 received", "Order M-6001 received"]);
}

/// Records what it is handed.
#[derive(Default)]
struct Recorder(Mutex<Vec<NotificationRow>>);

impl NotificationSender for Recorder {
    fn send<'a>(&'a self, n: &'a NotificationRow) -> SendFuture<'a> {
        self.0.lock().unwrap().push(n.clone());
        Box::pin(async { Ok(()) })
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn configured_senders_get_each_notification_once() {
    let recorder = Arc::new(Recorder::default());
    let h = Harness::start_with("notify_senders", None, vec![recorder.clone()]).await;
    let ada = h.customer();
    h.place(ada.id, "M-7001").await;
    h.place(ada.id, "M-7002").await;
    mart_service::testkit::eventually("both notifications sent", TIMEOUT, || async {
        (recorder.0.lock().unwrap().len() >= 2).then_some(())
    })
    .await;
    // A third behind them proves no extra copies of the first two follow.
    h.place(ada.id, "M-7003").await;
    mart_service::testkit::eventually("the third sent", TIMEOUT, || async {
        (recorder.0.lock().unwrap().len() >= 3).then_some(())
    })
    .await;
    let sent = recorder.0.lock().unwrap().clone();
    let titles: Vec<&str> = sent.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Order M-7001 received",
            "Order M-7002 received",
            "Order M-7003 received"
        ]
    );
    assert!(sent.iter().all(|n| n.user_id == Some(ada.id)));
}
