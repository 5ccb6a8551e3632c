//! The caller's trace context follows an order into its events: the router passes a
//! child of the client's `traceparent` to orders, and the events orders writes while
//! placing the order carry it in their envelopes.

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};

use super::support::{PLACE_ORDER, Shop, order_input};

#[derive(QueryableByName)]
struct Written {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    traceparent: Option<String>,
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_placed_through_the_router_carries_the_callers_trace_into_its_events() {
    let shop = Shop::start("trace").await;
    let router = shop.router().await;
    let product = shop.product(1000, 100, 5).await;
    let ada = shop.customer();
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let body: Value = reqwest::Client::new()
        .post(router.graphql_url())
        .bearer_auth(&ada.token)
        .header("traceparent", format!("00-{trace_id}-00f067aa0ba902b7-01"))
        .json(&json!({
            "query": PLACE_ORDER,
            "variables": { "input": order_input(&[(product, 1)], "tok_ok", "traced") },
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let order = body["data"]["placeOrder"]["id"]
        .as_str()
        .expect("placed")
        .to_string();

    let mut conn = shop.orders_db.conn().await.unwrap();
    let written: Vec<Written> = diesel::sql_query(
        "SELECT envelope->>'type' AS kind, envelope->>'traceparent' AS traceparent \
         FROM outbox_events WHERE envelope->>'aggregateId' = $1 ORDER BY seq LIMIT 2",
    )
    .bind::<Text, _>(&order)
    .load(&mut conn)
    .await
    .unwrap();
    let kinds: Vec<&str> = written.iter().map(|w| w.kind.as_str()).collect();
    assert_eq!(kinds, ["order.placed", "order.status_changed"]);
    for event in &written {
        let traceparent = event.traceparent.as_deref().unwrap_or_default();
        assert!(
            traceparent.starts_with(&format!("00-{trace_id}-")),
            "{} carries {traceparent:?}",
            event.kind
        );
    }
    let _ = router.stop().await;
    shop.stop().await;
}
