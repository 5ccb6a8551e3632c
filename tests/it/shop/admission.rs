//! Back-pressure at placement: while too many orders wait for the saga, a new
//! one is refused at once with SERVICE_UNAVAILABLE, a retry of an accepted one
//! still gets its order, and placement opens again once the backlog drains.

use std::time::{Duration, Instant};

use mart_orders::OrdersSettings;
use mart_service::testkit;
use serde_json::json;

use super::support::{Shop, ShopOptions, order_input};

const LIMIT: i64 = 3;

#[tokio::test(flavor = "multi_thread")]
async fn a_backlog_past_the_limit_refuses_new_orders_fast_and_reopens_when_it_drains() {
    let options = ShopOptions {
        orders: OrdersSettings {
            max_waiting_orders: LIMIT,
            ..Default::default()
        },
        // Nobody takes payments: every order waits, RESERVED.
        without_payments: true,
        ..Default::default()
    };
    let shop = Shop::start_with("admission", options).await;
    let mug = shop.product(1299, 400, 1000).await;
    let ada = shop.customer();
    let mut accepted: Vec<String> = Vec::new();
    // The backlog figure may be up to a second old: keep placing until refused.
    let deadline = Instant::now() + Duration::from_secs(30);
    let refusal = loop {
        assert!(Instant::now() < deadline, "never refused: {accepted:?}");
        let input = order_input(&[(mug, 1)], "tok_ok", &format!("adm-{}", accepted.len()));
        let started = Instant::now();
        let body = shop.place(&ada, input).await;
        match body["data"]["placeOrder"]["id"].as_str() {
            Some(id) => accepted.push(id.to_string()),
            None => break (body, started.elapsed()),
        }
    };
    let (body, took) = refusal;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE",
        "{body:#}"
    );
    assert!(took < Duration::from_secs(2), "refused fast: {took:?}");
    assert!(
        accepted.len() as i64 >= LIMIT,
        "up to the limit is accepted: {accepted:?}"
    );

    // A retry of an accepted order is still answered with that order.
    let retry = shop
        .place(&ada, order_input(&[(mug, 1)], "tok_ok", "adm-0"))
        .await;
    assert_eq!(
        retry["data"]["placeOrder"]["id"],
        accepted[0].as_str(),
        "{retry:#}"
    );

    // The customer cancels: the backlog drains, and placement opens again.
    for id in &accepted {
        let body = shop
            .gql(
                &shop.orders_url,
                Some(&ada),
                "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            body["data"]["cancelOrder"]["status"], "CANCELLED",
            "{body:#}"
        );
    }
    testkit::eventually("placement to reopen", Duration::from_secs(30), || async {
        let body = shop
            .place(&ada, order_input(&[(mug, 1)], "tok_ok", "adm-after"))
            .await;
        body["data"]["placeOrder"]["id"].as_str().map(drop)
    })
    .await;
    shop.stop().await;
}
