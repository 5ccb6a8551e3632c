//! Live order status over WebSocket: `myOrderUpdates` and
//! `orderStatusChanged`, who may subscribe, and fan-out across instances.

use std::time::Duration;

use mart_service::ServiceName;
use mart_service::testkit::clients::{Socket, ws_url};
use serde_json::{Value, json};
use uuid::Uuid;

use super::support::{Customer, Shop, order_input};

const MY_UPDATES: &str =
    "subscription { myOrderUpdates { order { id number } status previousStatus at reason } }";
const ORDER_UPDATES: &str = "subscription($id: ID!) { orderStatusChanged(orderId: $id) { order { id status } status previousStatus reason } }";

/// Reads updates of `order` from `socket` until `last`, passing over other
/// orders' updates; returns its statuses after checking each names the status
/// before it.
async fn statuses_until(socket: &mut Socket, field: &str, order: Uuid, last: &str) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    loop {
        let data = socket.next_data("1").await;
        let update = &data[field];
        if update["order"]["id"] != json!(order.to_string()) {
            continue;
        }
        let previous = update["previousStatus"].as_str().map(str::to_string);
        if let Some(before) = seen.last() {
            assert_eq!(previous.as_ref(), Some(before), "{data:#}");
        }
        let status = update["status"].as_str().unwrap().to_string();
        seen.push(status.clone());
        if status == last {
            return seen;
        }
    }
}

/// A subscription has no acknowledgement: it hears changes from the moment it
/// is live in the service. This places a first order for `who` and reads every
/// socket until it has heard of that order, so that the next order placed is
/// heard from its first change.
async fn until_live(
    shop: &Shop,
    who: &Customer,
    product: Uuid,
    key: &str,
    sockets: &mut [&mut Socket],
) {
    let first = shop
        .place_ok(who, order_input(&[(product, 1)], "tok_ok", key))
        .await;
    for socket in sockets {
        loop {
            let data = socket.next_data("1").await;
            if data["myOrderUpdates"]["order"]["id"] == json!(first.to_string()) {
                break;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_sees_every_status_change_once_and_in_order() {
    let shop = Shop::start("live-owner").await;
    let mug = shop.product(1299, 400, 10).await;
    let ada = shop.customer();

    let mut mine = Socket::connect(&ws_url(&shop.orders_url), Some(&ada.token)).await;
    mine.subscribe("1", MY_UPDATES, json!({})).await;
    until_live(&shop, &ada, mug, "live-0", &mut [&mut mine]).await;
    let order = shop
        .place_ok(&ada, order_input(&[(mug, 1)], "tok_ok", "live-1"))
        .await;
    let mut this_order = Socket::connect(&ws_url(&shop.orders_url), Some(&ada.token)).await;
    this_order
        .subscribe("1", ORDER_UPDATES, json!({ "id": order }))
        .await;

    let all = statuses_until(&mut mine, "myOrderUpdates", order, "AWAITING_SHIPMENT").await;
    let late = statuses_until(
        &mut this_order,
        "orderStatusChanged",
        order,
        "AWAITING_SHIPMENT",
    )
    .await;

    let emitted = shop.status_changes(order).await;
    assert_eq!(all, emitted, "every emitted change, once, in order");
    assert_eq!(&all[..3], ["PENDING", "RESERVED", "CONFIRMED"]);
    assert!(
        emitted.ends_with(&late),
        "a late subscriber gets the rest: {late:?} of {emitted:?}"
    );
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_subscriber_of_a_change_gets_the_order_even_with_a_64_kib_subscribe() {
    let shop = Shop::start("live-many").await;
    let mug = shop.product(800, 300, 10).await;
    let ada = shop.customer();
    // Sockets are read 4 KiB at a time: a larger subscribe must still arrive whole.
    let padded = format!("# {}\n{MY_UPDATES}", "x".repeat(64 * 1024));
    let mut sockets = Vec::new();
    for query in [MY_UPDATES, MY_UPDATES, padded.as_str()] {
        let mut socket = Socket::connect(&ws_url(&shop.orders_url), Some(&ada.token)).await;
        socket.subscribe("1", query, json!({})).await;
        sockets.push(socket);
    }
    let mut live: Vec<&mut Socket> = sockets.iter_mut().collect();
    until_live(&shop, &ada, mug, "live-many-0", &mut live).await;
    let order = shop
        .place_ok(&ada, order_input(&[(mug, 1)], "tok_ok", "live-many-1"))
        .await;
    let mut seen = Vec::new();
    for socket in &mut sockets {
        // The order is read once per change and shared: each still gets it.
        seen.push(statuses_until(socket, "myOrderUpdates", order, "AWAITING_SHIPMENT").await);
    }
    let emitted = shop.status_changes(order).await;
    for statuses in seen {
        assert_eq!(statuses, emitted);
    }
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_owner_or_staff_may_subscribe() {
    let shop = Shop::start("live-auth").await;
    let mug = shop.product(500, 100, 10).await;
    let ada = shop.customer();
    let order = shop
        .place_ok(&ada, order_input(&[(mug, 1)], "tok_ok", "live-auth-1"))
        .await;

    let eve = shop.customer();
    let mut socket = Socket::connect(&ws_url(&shop.orders_url), Some(&eve.token)).await;
    socket
        .subscribe("1", ORDER_UPDATES, json!({ "id": order }))
        .await;
    assert_eq!(socket.refusal_code("1").await, "FORBIDDEN");

    let mut socket = Socket::connect(&ws_url(&shop.orders_url), Some(&eve.token)).await;
    let unknown = Uuid::now_v7();
    socket
        .subscribe("1", ORDER_UPDATES, json!({ "id": unknown }))
        .await;
    assert_eq!(socket.refusal_code("1").await, "NOT_FOUND");

    let mut anonymous = Socket::connect(&ws_url(&shop.orders_url), None).await;
    anonymous.subscribe("1", MY_UPDATES, json!({})).await;
    assert_eq!(anonymous.refusal_code("1").await, "UNAUTHENTICATED");

    // Staff may follow anyone's order: it settles, staff subscribe, the
    // owner cancels, and staff hear it with the reason.
    shop.wait_for_status(&ada, order, "AWAITING_SHIPMENT").await;
    let admin = shop.admin();
    let mut staff = Socket::connect(&ws_url(&shop.orders_url), Some(&admin.token)).await;
    staff
        .subscribe("1", ORDER_UPDATES, json!({ "id": order }))
        .await;
    let cancel = shop
        .gql(
            &shop.orders_url,
            Some(&ada),
            "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
            json!({ "id": order }),
        )
        .await;
    assert!(cancel.get("errors").is_none(), "{cancel:#}");
    // The AWAITING_SHIPMENT event may still be on its way to this instance
    // when the database already shows it.
    let heard = statuses_until(&mut staff, "orderStatusChanged", order, "CANCELLED").await;
    assert!(
        ["AWAITING_SHIPMENT", "CANCELLED"]
            .ends_with(&heard.iter().map(String::as_str).collect::<Vec<_>>()),
        "{heard:?}"
    );
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_subscriber_on_either_instance_sees_changes_made_through_the_other() {
    let shop = Shop::start("live-fanout").await;
    let mug = shop.product(700, 100, 10).await;
    let second = shop.another_orders().await;
    let ada = shop.customer();

    let mut on_first = Socket::connect(&ws_url(&shop.orders_url), Some(&ada.token)).await;
    on_first.subscribe("1", MY_UPDATES, json!({})).await;
    let mut on_second = Socket::connect(&ws_url(&second), Some(&ada.token)).await;
    on_second.subscribe("1", MY_UPDATES, json!({})).await;
    until_live(
        &shop,
        &ada,
        mug,
        "fanout-0",
        &mut [&mut on_first, &mut on_second],
    )
    .await;

    let placed: Value = shop
        .gql(
            &second,
            Some(&ada),
            super::support::PLACE_ORDER,
            json!({ "input": order_input(&[(mug, 1)], "tok_ok", "fanout-1") }),
        )
        .await;
    assert!(placed.get("errors").is_none(), "{placed:#}");
    let order = Uuid::parse_str(placed["data"]["placeOrder"]["id"].as_str().unwrap()).unwrap();

    let a = statuses_until(&mut on_first, "myOrderUpdates", order, "CONFIRMED").await;
    let b = statuses_until(&mut on_second, "myOrderUpdates", order, "CONFIRMED").await;
    assert_eq!(a, ["PENDING", "RESERVED", "CONFIRMED"]);
    assert_eq!(b, a);
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stopping_the_service_closes_its_subscribers_sockets() {
    let shop = Shop::start("live-stop").await;
    let ada = shop.customer();
    let mut socket = Socket::connect(&ws_url(&shop.orders_url), Some(&ada.token)).await;
    socket.subscribe("1", MY_UPDATES, json!({})).await;

    shop.stop_service(ServiceName::Orders).await;

    assert!(
        socket.closes_within(Duration::from_secs(5)).await,
        "a subscriber must not wait forever on a service that has stopped"
    );
    shop.stop().await;
}
