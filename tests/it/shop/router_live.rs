//! Live order status through the federation router with the real subgraphs:
//! a customer subscribes at the router (WebSocket, SSE or multipart), places an
//! order, and watches it move with fields the router fetches from products and
//! payments for every update.
//!
//! A subscription has no acknowledgement: it hears changes from the moment it
//! is live at the orders subgraph. The `myOrderUpdates` tests therefore place a
//! first order and wait for any of its updates before placing the order they
//! check; `orderStatusChanged` (which needs the order to exist) is checked on
//! an order held at PENDING by stopping inventory.

use std::time::{Duration, Instant};

use mart_service::ServiceName;
use mart_service::testkit::clients::{Socket, ws_url};
use serde_json::json;

use super::killable::KillableOrders;
use super::live_feed::{
    Feed, Updates, my_order_updates, order_status_changed, place, product_name, router,
};
use super::streams::{Format, HttpStream};
use super::support::{Shop, order_input};

const MINE: &str = "myOrderUpdates";
const ONE: &str = "orderStatusChanged";

async fn ws(url: &str, token: Option<&str>, query: &str, variables: serde_json::Value) -> Feed {
    let mut socket = Socket::connect(&ws_url(url), token).await;
    socket.subscribe("1", query, variables).await;
    Feed::Ws(Box::new(socket))
}

async fn http(url: &str, format: Format, token: Option<&str>, query: &str) -> Feed {
    Feed::Http(HttpStream::open(url, format, token, query, json!({})).await)
}

#[tokio::test(flavor = "multi_thread")]
async fn over_websocket_the_owner_gets_every_update_once_in_order_with_products_and_payment() {
    let shop = Shop::start("router-live-ws").await;
    let router = router(&shop, None).await;
    let url = router.graphql_url();
    let mug = shop.product(1299, 400, 10).await;
    let name = product_name(&shop, &url, mug).await;
    let ada = shop.customer();

    let mut feed = ws(&url, Some(&ada.token), &my_order_updates(), json!({})).await;
    let mut seen = Updates::default();
    let first = place(&shop, &url, &ada, order_input(&[(mug, 1)], "tok_ok", "w-1")).await;
    seen.read_until(&mut feed, MINE, |s| !s.of(&first.id).is_empty())
        .await;

    let order = place(&shop, &url, &ada, order_input(&[(mug, 1)], "tok_ok", "w-2")).await;
    seen.read_until(&mut feed, MINE, |s| {
        s.reached(&order.id, "AWAITING_SHIPMENT")
    })
    .await;
    // One more change, so that a repeat of an earlier update would show up
    // before it.
    let shipment = shop.wait_for_shipment(&ada, order.uuid()).await;
    let shipped = shop
        .set_shipment_status(shipment["id"].as_str().unwrap(), "IN_TRANSIT")
        .await;
    assert!(shipped.get("errors").is_none(), "{shipped:#}");
    seen.read_until(&mut feed, MINE, |s| s.reached(&order.id, "SHIPPED"))
        .await;

    let emitted = shop.status_changes(order.uuid()).await;
    assert_eq!(
        emitted,
        [
            "PENDING",
            "RESERVED",
            "CONFIRMED",
            "AWAITING_SHIPMENT",
            "SHIPPED"
        ]
    );
    assert_eq!(
        seen.statuses(&order.id),
        emitted,
        "each update once, in order"
    );
    seen.assert_chained(&order.id);
    seen.assert_resolved(&order, &name);

    // The first order's updates, from whenever the subscription went live.
    let first_emitted = shop.status_changes(first.uuid()).await;
    let first_seen = seen.statuses(&first.id);
    assert!(
        first_emitted
            .windows(first_seen.len())
            .any(|w| w == first_seen),
        "{first_seen:?} within {first_emitted:?}"
    );
    seen.assert_chained(&first.id);
    seen.assert_resolved(&first, &name);

    let _ = router.stop().await;
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_owner_and_staff_follow_an_order_and_anonymous_sockets_are_refused() {
    let shop = Shop::start("router-live-auth").await;
    let router = router(&shop, None).await;
    let url = router.graphql_url();
    let mug = shop.product(500, 100, 10).await;
    let name = product_name(&shop, &url, mug).await;
    let ada = shop.customer();

    // Without inventory the order stays PENDING, so the subscriptions below
    // are live before it moves on.
    shop.stop_service(ServiceName::Inventory).await;
    let order = place(&shop, &url, &ada, order_input(&[(mug, 1)], "tok_ok", "a-1")).await;
    let this_order = json!({ "id": order.id });
    let mut owner = ws(
        &url,
        Some(&ada.token),
        &order_status_changed(),
        this_order.clone(),
    )
    .await;
    let admin = shop.admin();
    let mut staff = ws(
        &url,
        Some(&admin.token),
        &order_status_changed(),
        this_order.clone(),
    )
    .await;

    let eve = shop.customer();
    let mut other = ws(&url, Some(&eve.token), &order_status_changed(), this_order).await;
    assert_eq!(other.end_code().await, "FORBIDDEN");
    let mut anonymous = ws(&url, None, &my_order_updates(), json!({})).await;
    assert_eq!(anonymous.end_code().await, "UNAUTHENTICATED");
    let mut anonymous = http(&url, Format::Sse, None, &my_order_updates()).await;
    assert_eq!(anonymous.end_code().await, "UNAUTHENTICATED");

    shop.restart(ServiceName::Inventory, Duration::ZERO).await;
    let (mut mine, mut staffs) = (Updates::default(), Updates::default());
    mine.read_until(&mut owner, ONE, |s| {
        s.reached(&order.id, "AWAITING_SHIPMENT")
    })
    .await;
    staffs
        .read_until(&mut staff, ONE, |s| {
            s.reached(&order.id, "AWAITING_SHIPMENT")
        })
        .await;

    let emitted = shop.status_changes(order.uuid()).await;
    // PENDING was emitted at placement, perhaps before these subscribed.
    for seen in [&mine, &staffs] {
        let statuses = seen.statuses(&order.id);
        assert!(
            statuses == emitted || statuses == emitted[1..],
            "{statuses:?} of {emitted:?}"
        );
        // After inventory's restart payment.authorized can reach orders before
        // inventory.reserved (they travel on different topics): the order still
        // goes through RESERVED.
        assert!(
            statuses.ends_with(&["RESERVED", "CONFIRMED", "AWAITING_SHIPMENT"].map(String::from)),
            "{statuses:?}"
        );
        seen.assert_chained(&order.id);
    }
    mine.assert_resolved(&order, &name);
    for update in staffs.of(&order.id) {
        assert_eq!(
            update["order"]["lines"][0]["product"]["name"],
            name.as_str()
        );
    }

    let _ = router.stop().await;
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn over_sse_and_multipart_the_updates_arrive_in_order() {
    let shop = Shop::start("router-live-http").await;
    let router = router(&shop, None).await;
    let url = router.graphql_url();
    let mug = shop.product(850, 200, 10).await;
    let name = product_name(&shop, &url, mug).await;
    let ada = shop.customer();

    let mut feeds = [
        http(&url, Format::Sse, Some(&ada.token), &my_order_updates()).await,
        http(
            &url,
            Format::Multipart,
            Some(&ada.token),
            &my_order_updates(),
        )
        .await,
    ];
    let mut seen = [Updates::default(), Updates::default()];
    let first = place(&shop, &url, &ada, order_input(&[(mug, 1)], "tok_ok", "h-1")).await;
    for (feed, seen) in feeds.iter_mut().zip(&mut seen) {
        seen.read_until(feed, MINE, |s| !s.of(&first.id).is_empty())
            .await;
    }

    let order = place(&shop, &url, &ada, order_input(&[(mug, 1)], "tok_ok", "h-2")).await;
    for (feed, seen) in feeds.iter_mut().zip(&mut seen) {
        seen.read_until(feed, MINE, |s| s.reached(&order.id, "AWAITING_SHIPMENT"))
            .await;
    }
    let emitted = shop.status_changes(order.uuid()).await;
    assert_eq!(&emitted[..3], ["PENDING", "RESERVED", "CONFIRMED"]);
    for (seen, transport) in seen.iter().zip(["SSE", "multipart"]) {
        assert_eq!(seen.statuses(&order.id), emitted, "over {transport}");
        seen.assert_chained(&order.id);
        seen.assert_resolved(&order, &name);
    }

    let _ = router.stop().await;
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_the_orders_subgraph_ends_every_stream_with_an_error_within_seconds() {
    let shop = Shop::start("router-live-kill").await;
    let mut orders = KillableOrders::start(&shop.config).await;
    let router = router(&shop, Some(&orders.url)).await;
    let url = router.graphql_url();
    let mug = shop.product(400, 100, 10).await;
    let ada = shop.customer();

    let mut feeds = [
        ws(&url, Some(&ada.token), &my_order_updates(), json!({})).await,
        http(&url, Format::Sse, Some(&ada.token), &my_order_updates()).await,
        http(
            &url,
            Format::Multipart,
            Some(&ada.token),
            &my_order_updates(),
        )
        .await,
    ];
    let order = place(&shop, &url, &ada, order_input(&[(mug, 1)], "tok_ok", "k-1")).await;
    for feed in &mut feeds {
        Updates::default()
            .read_until(feed, MINE, |s| !s.of(&order.id).is_empty())
            .await;
    }

    let killed = Instant::now();
    orders.kill();
    for feed in &mut feeds {
        assert_eq!(feed.end_code().await, "SUBSCRIPTION_UPSTREAM_CLOSED");
    }
    let took = killed.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "the streams ended after {took:?}"
    );

    let _ = router.stop().await;
    shop.stop().await;
}
