//! History: what `User.notifications` shows, to whom, and `markNotificationRead`.

use mart_events::catalog::{OrderConfirmed, PaymentCaptured, PaymentDeclined, ShipmentShipped};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Harness, order_placed};

fn kinds(nodes: &[Value]) -> Vec<&str> {
    nodes.iter().map(|n| n["kind"].as_str().unwrap()).collect()
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

fn eur(amount_minor: i64) -> mart_events::catalog::MoneyPayload {
    mart_events::catalog::MoneyPayload {
        amount_minor,
        currency: mart_events::catalog::Currency::parse("EUR").unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_sees_their_order_story_and_others_do_not() {
    let h = Harness::start("notify_history").await;
    let ada = h.customer();
    let order = h.place(ada.id, "M-1001").await;
    h.emit(&OrderConfirmed {
        order_id: order,
        user_id: ada.id,
        shipping_address: order_placed(order, ada.id, "x").shipping_address,
        total_weight_grams: 500,
    })
    .await;
    // Events of different topics may be consumed in any order: one at a time.
    h.history_of(&ada, 2).await;
    h.emit(&ShipmentShipped {
        order_id: order,
        shipment_id: Uuid::now_v7(),
    })
    .await;
    h.history_of(&ada, 3).await;
    h.emit(&PaymentCaptured {
        order_id: order,
        payment_id: Uuid::now_v7(),
        amount: eur(1499),
    })
    .await;

    let nodes = h.history_of(&ada, 4).await;
    assert_eq!(
        kinds(&nodes),
        [
            "PAYMENT_CAPTURED",
            "SHIPMENT_SHIPPED",
            "ORDER_CONFIRMED",
            "ORDER_PLACED"
        ],
        "newest first"
    );
    for n in &nodes {
        assert_eq!(n["order"]["id"], json!(order.to_string()));
        assert_eq!(n["user"]["id"], json!(ada.id.to_string()));
        assert!(n["readAt"].is_null());
    }
    assert_eq!(nodes[3]["title"], "Order M-1001 received");
    assert!(
        nodes[3]["body"].as_str().unwrap().contains("14.99 EUR"),
        "{}",
        nodes[3]
    );
    assert_eq!(nodes[0]["body"], "14.99 EUR was charged to your card.");

    // Another customer is refused; staff may look.
    let bob = h.customer();
    let refused = h.history(&bob, ada.id, "").await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    assert!(refused["data"]["_entities"][0].is_null(), "{refused}");
    let admin = h.admin();
    let seen = h.history(&admin, ada.id, "").await;
    assert_eq!(
        seen["data"]["_entities"][0]["notifications"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        4,
        "{seen}"
    );
    let anonymous = h
        .gql(None, "{ _entities(representations: [{__typename: \"User\", id: \"00000000-0000-0000-0000-000000000000\"}]) { ... on User { notifications { edges { cursor } } } } }", json!({}))
        .await;
    assert_eq!(code(&anonymous), "UNAUTHENTICATED", "{anonymous}");

    // Pages of two walk the whole history.
    let first = h.history(&ada, ada.id, "(first: 2)").await;
    let first = &first["data"]["_entities"][0]["notifications"];
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let after = first["pageInfo"]["endCursor"].as_str().unwrap();
    let second = h
        .history(&ada, ada.id, &format!("(first: 2, after: \"{after}\")"))
        .await;
    let second = &second["data"]["_entities"][0]["notifications"];
    assert_eq!(second["pageInfo"]["hasNextPage"], false);
    let walked: Vec<&str> = first["edges"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["edges"].as_array().unwrap())
        .map(|e| e["node"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(walked, kinds(&nodes));
    let bad = h.history(&ada, ada.id, "(after: \"garbage\")").await;
    assert_eq!(code(&bad), "BAD_USER_INPUT", "{bad}");
    let bad = h.history(&ada, ada.id, "(first: 0)").await;
    assert_eq!(code(&bad), "BAD_USER_INPUT", "{bad}");
}

const MARK: &str = "mutation($id: ID!) { markNotificationRead(id: $id) { id readAt } }";

#[tokio::test(flavor = "multi_thread")]
async fn only_the_owner_marks_a_notification_read() {
    let h = Harness::start("notify_read").await;
    let ada = h.customer();
    h.place(ada.id, "M-2001").await;
    h.place(ada.id, "M-2002").await;
    let nodes = h.history_of(&ada, 2).await;
    let id = nodes[1]["id"].as_str().unwrap();

    let bob = h.customer();
    let refused = h.gql(Some(&bob), MARK, json!({ "id": id })).await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    let missing = h
        .gql(Some(&ada), MARK, json!({ "id": Uuid::now_v7() }))
        .await;
    assert_eq!(code(&missing), "NOT_FOUND", "{missing}");
    let garbage = h.gql(Some(&ada), MARK, json!({ "id": "nope" })).await;
    assert_eq!(code(&garbage), "BAD_USER_INPUT", "{garbage}");

    let marked = h.gql(Some(&ada), MARK, json!({ "id": id })).await;
    let read_at = marked["data"]["markNotificationRead"]["readAt"].clone();
    assert!(read_at.is_string(), "{marked}");
    let again = h.gql(Some(&ada), MARK, json!({ "id": id })).await;
    assert_eq!(
        again["data"]["markNotificationRead"]["readAt"], read_at,
        "the first read time stays"
    );

    let unread = h.history(&ada, ada.id, "(unreadOnly: true)").await;
    let unread = unread["data"]["_entities"][0]["notifications"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(unread.len(), 1);
    assert_eq!(unread[0]["node"]["id"], nodes[0]["id"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_seen_before_its_order_reaches_the_owner_once_the_order_is_known() {
    let h = Harness::start("notify_early").await;
    let ada = h.customer();
    let order = Uuid::now_v7();
    h.emit(&PaymentDeclined {
        order_id: order,
        payment_id: Uuid::now_v7(),
        reason: "card_declined".into(),
    })
    .await;
    h.emit(&order_placed(order, ada.id, "M-3001")).await;
    let nodes = h.history_of(&ada, 2).await;
    let mut found = kinds(&nodes);
    found.sort();
    assert_eq!(found, ["ORDER_PLACED", "PAYMENT_DECLINED"]);
    let declined = nodes
        .iter()
        .find(|n| n["kind"] == "PAYMENT_DECLINED")
        .unwrap();
    assert_eq!(
        declined["body"],
        "Your payment could not be taken (card declined)."
    );
}
