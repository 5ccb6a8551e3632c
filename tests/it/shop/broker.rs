//! The broker killed and started again in the middle of a burst: events wait in
//! the outboxes, consumers reconnect, and every order still settles once.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use mart_service::testkit::{self, Broker, free_port};

use super::support::{Shop, ShopOptions, order_input};

const ORDERS: usize = 100;

#[tokio::test(flavor = "multi_thread")]
async fn killing_the_broker_during_a_burst_loses_nothing_and_repeats_nothing() {
    let dir = std::env::temp_dir().join(format!("mart-broker-{}", testkit::unique_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let broker = Broker::start(&dir, port);
    broker.wait_until_listening().await;

    let options = ShopOptions {
        kafka_brokers: Some(format!("127.0.0.1:{port}")),
        ..Default::default()
    };
    let shop = Arc::new(Shop::start_with("brokerdown", options).await);
    let mug = shop.product(250, 100, 1000).await;
    let burst = {
        let shop = shop.clone();
        tokio::spawn(async move {
            futures::stream::iter(0..ORDERS)
                .map(|i| {
                    let shop = shop.clone();
                    async move {
                        let who = shop.customer();
                        let input = order_input(&[(mug, 1)], "tok_ok", &format!("b-{i}"));
                        let id = shop.place_ok(&who, input).await;
                        (who, id)
                    }
                })
                .buffer_unordered(8)
                .collect::<Vec<_>>()
                .await
        })
    };

    let ada = shop.customer();
    let first = shop
        .place_ok(&ada, order_input(&[(mug, 1)], "tok_ok", "before"))
        .await;
    shop.wait_for_status(&ada, first, "AWAITING_SHIPMENT").await;
    broker.kill();
    // Placement needs no broker: orders keep being accepted into the outbox.
    let during = shop
        .place_ok(&ada, order_input(&[(mug, 1)], "tok_ok", "during"))
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let broker = Broker::start(&dir, port);
    broker.wait_until_listening().await;

    let orders = burst.await.unwrap();
    for id in [first, during] {
        shop.wait_for_status(&ada, id, "AWAITING_SHIPMENT").await;
    }
    for (who, id) in &orders {
        shop.wait_for_status(who, *id, "AWAITING_SHIPMENT").await;
    }
    let holds = shop.provider.holds();
    assert_eq!(holds.len(), ORDERS + 2, "one authorization per order");
    let expected = 1000 - ORDERS as i64 - 2;
    super::support::wait_for_stock(&shop, mug, (expected, 0, expected)).await;
    Arc::into_inner(shop).unwrap().stop().await;
    broker.kill();
    let _ = std::fs::remove_dir_all(&dir);
}
