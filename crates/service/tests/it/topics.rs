//! Topics are created with the partitions and replication factor the operator asked for.

use std::time::Duration;

use mart_events::{Topic, TopicLayout};
use mart_service::testkit;
use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};

#[tokio::test(flavor = "multi_thread")]
async fn each_topic_gets_the_partitions_its_layout_gives() {
    let config = testkit::isolated_config("topics_layout");
    let layout = TopicLayout::parse("orders=3,order-status=2,*=1", "1").unwrap();
    mart_events::kafka::ensure_layout(&config.kafka_brokers, &config.topic_prefix, &layout)
        .await
        .expect("topics created");
    let brokers = config.kafka_brokers.clone();
    let prefix = config.topic_prefix.clone();
    let counts = tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .create()
            .unwrap();
        [Topic::Orders, Topic::OrderStatus, Topic::Payments].map(|topic| {
            let name = topic.name(&prefix);
            let metadata = consumer
                .fetch_metadata(Some(&name), Duration::from_secs(10))
                .unwrap();
            metadata.topics()[0].partitions().len()
        })
    })
    .await
    .unwrap();
    assert_eq!(counts, [3, 2, 1]);
    // Asking again changes nothing: existing topics are left as they are.
    let more = TopicLayout::parse("8", "1").unwrap();
    mart_events::kafka::ensure_layout(&config.kafka_brokers, &config.topic_prefix, &more)
        .await
        .expect("existing topics are fine");
}
