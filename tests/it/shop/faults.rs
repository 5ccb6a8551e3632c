//! Consumers stopped and started again in the middle of a burst: the outbox and
//! the idempotent consumers must lose no order and act on none twice.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use futures::StreamExt;
use mart_service::{ServiceName, testkit};

use super::support::{SAGA_TIMEOUT, Shop, order_input};

const ORDERS: usize = 100;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn placed(shop: &Shop) -> i64 {
    let mut conn = shop.orders_db.conn().await.unwrap();
    let rows: Vec<Count> = diesel::sql_query("SELECT count(*) AS n FROM orders")
        .load(&mut conn)
        .await
        .unwrap();
    rows[0].n
}

async fn wait_until_placed(shop: &Shop, n: i64) {
    testkit::eventually(&format!("{n} orders placed"), SAGA_TIMEOUT, || async {
        (placed(shop).await >= n).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn restarting_consumers_during_a_burst_loses_nothing_and_repeats_nothing() {
    let shop = Arc::new(Shop::start("faults").await);
    let mug = shop.product(250, 100, 1000).await;
    let burst = {
        let shop = shop.clone();
        tokio::spawn(async move {
            futures::stream::iter(0..ORDERS)
                .map(|i| {
                    let shop = shop.clone();
                    async move {
                        let who = shop.customer();
                        let input = order_input(&[(mug, 1)], "tok_ok", &format!("burst-{i}"));
                        // A client retries with the same key while a dependency of
                        // placement (shipping, restarted below) is unavailable.
                        let id =
                            testkit::eventually("placeOrder to succeed", SAGA_TIMEOUT, || async {
                                let body = shop.place(&who, input.clone()).await;
                                match body["errors"][0]["extensions"]["code"].as_str() {
                                    Some("SERVICE_UNAVAILABLE") => None,
                                    Some(other) => {
                                        panic!("placeOrder failed with {other}: {body:#}")
                                    }
                                    None => body["data"]["placeOrder"]["id"]
                                        .as_str()
                                        .map(str::to_string),
                                }
                            })
                            .await;
                        (who, uuid::Uuid::parse_str(&id).unwrap())
                    }
                })
                .buffer_unordered(8)
                .collect::<Vec<_>>()
                .await
        })
    };

    wait_until_placed(&shop, 20).await;
    shop.restart(ServiceName::Payments, Duration::from_millis(500))
        .await;
    wait_until_placed(&shop, 50).await;
    shop.restart(ServiceName::Inventory, Duration::from_millis(500))
        .await;
    wait_until_placed(&shop, 80).await;
    shop.restart(ServiceName::Shipping, Duration::from_millis(500))
        .await;
    let orders = burst.await.unwrap();
    assert_eq!(orders.len(), ORDERS);

    for (who, id) in &orders {
        shop.wait_for_status(who, *id, "AWAITING_SHIPMENT").await;
    }
    let holds = shop.provider.holds();
    let keys: HashSet<_> = holds.iter().map(|h| h.idempotency_key.clone()).collect();
    assert_eq!(holds.len(), ORDERS, "one authorization per order");
    assert_eq!(keys.len(), ORDERS);
    let expected = 1000 - ORDERS as i64;
    super::support::wait_for_stock(&shop, mug, (expected, 0, expected)).await;
    Arc::into_inner(shop).unwrap().stop().await;
}
