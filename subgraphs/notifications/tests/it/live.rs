//! Live delivery over WebSocket (graphql-transport-ws) from Redis pub/sub.

use mart_events::catalog::{ShipmentDelivered, ShipmentShipped};
use serde_json::json;
use uuid::Uuid;

use crate::support::Harness;

#[tokio::test(flavor = "multi_thread")]
async fn notifications_arrive_live_once_and_in_order() {
    let h = Harness::start("notify_live").await;
    let ada = h.customer();
    let bob = h.customer();
    let mut ada_live = h.subscribe(Some(&ada)).await;
    let mut bob_live = h.subscribe(Some(&bob)).await;

    // Once the first arrives, the subscription is certainly in place.
    let first = h.place(ada.id, "M-4000").await;
    let n = ada_live.next_notification().await;
    assert_eq!(n["kind"], "ORDER_PLACED");
    assert_eq!(n["order"]["id"], json!(first.to_string()));
    assert_eq!(n["user"]["id"], json!(ada.id.to_string()));

    let mut orders = Vec::new();
    for i in 1..=5 {
        orders.push(h.place(ada.id, &format!("M-400{i}")).await);
    }
    for i in 1..=5 {
        let n = ada_live.next_notification().await;
        assert_eq!(n["title"], format!("Order M-400{i} received"), "in order");
    }
    // Another topic: consumed in no fixed order relative to the orders topic,
    // so emitted once those arrived.
    h.emit(&ShipmentShipped {
        order_id: first,
        shipment_id: Uuid::now_v7(),
    })
    .await;
    let n = ada_live.next_notification().await;
    assert_eq!(n["kind"], "SHIPMENT_SHIPPED");

    // Nothing was delivered twice: the next message is the next event.
    h.emit(&ShipmentDelivered {
        order_id: first,
        shipment_id: Uuid::now_v7(),
    })
    .await;
    let n = ada_live.next_notification().await;
    assert_eq!(n["kind"], "SHIPMENT_DELIVERED");

    // Bob's stream carries only Bob's notifications.
    h.place(bob.id, "M-4100").await;
    let n = bob_live.next_notification().await;
    assert_eq!(n["title"], "Order M-4100 received");
    assert_eq!(n["user"]["id"], json!(bob.id.to_string()));

    // What arrived live is also in the history.
    let history = h.history_of(&ada, 8).await;
    assert_eq!(history.len(), 8);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_anonymous_socket_cannot_subscribe() {
    let h = Harness::start("notify_anon").await;
    let mut anonymous = h.subscribe(None).await;
    let message = anonymous.next_message().await;
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{message}"
    );
    assert!(message["payload"]["data"].is_null(), "{message}");
    let done = anonymous.next_message().await;
    assert_eq!(done["type"], "complete", "{done}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_socket_with_a_bad_token_is_refused() {
    let h = Harness::start("notify_badtoken").await;
    let refused = crate::support::LiveClient::refused(&h.ws_url, "Bearer not.a.token").await;
    // Closed with the verifier's reason, before any subscription could start.
    assert!(!refused.is_empty(), "closed without a reason");
    assert!(
        !refused.contains("not.a.token"),
        "the token is not echoed: {refused}"
    );
}
