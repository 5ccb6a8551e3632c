//! The happy path as a client sees it: every call through the federation router.

use serde_json::{Value, json};

use super::support::{Customer, SAGA_TIMEOUT, Shop, order_input};

async fn call(shop: &Shop, url: &str, who: &Customer, query: &str, variables: Value) -> Value {
    let body = shop.gql(url, Some(who), query, variables).await;
    assert!(body.get("errors").is_none(), "{query}: {body:#}");
    body["data"].clone()
}

const ORDER_VIEW: &str = r#"
query($id: ID!) {
  order(id: $id) {
    number status total { amountMinor currency }
    lines { quantity unitPrice { amountMinor } product { name weightGrams stock { available } } }
    payment { status amount { amountMinor } }
    shipment { id status carrier trackingNumber }
  }
}"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_follows_an_order_to_delivered_through_the_router() {
    let shop = Shop::start("router").await;
    let router = shop.router().await;
    let url = router.graphql_url();
    let mug = shop.product(1299, 400, 10).await;
    let ada = shop.customer();
    let admin = shop.admin();

    // @requires: the router fetches weightGrams from products for shipping.
    let estimate = call(
        &shop,
        &url,
        &ada,
        "query($id: ID!) { product(id: $id) { name shippingEstimate(country: \"FR\") { amountMinor currency } } }",
        json!({ "id": mug }),
    )
    .await;
    assert_eq!(
        estimate["product"]["shippingEstimate"],
        json!({ "amountMinor": 890, "currency": "EUR" })
    );

    let placed = call(
        &shop,
        &url,
        &ada,
        "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status total { amountMinor } } }",
        json!({ "input": order_input(&[(mug, 2)], "tok_ok", "router-1") }),
    )
    .await;
    let id = placed["placeOrder"]["id"].as_str().unwrap().to_string();
    assert_eq!(placed["placeOrder"]["total"]["amountMinor"], 2 * 1299 + 490);

    let order = mart_service::testkit::eventually(
        "AWAITING_SHIPMENT with a shipment",
        SAGA_TIMEOUT,
        || async {
            let data = call(&shop, &url, &ada, ORDER_VIEW, json!({ "id": id })).await;
            let order = data["order"].clone();
            (order["status"] == "AWAITING_SHIPMENT" && order["shipment"].is_object())
                .then_some(order)
        },
    )
    .await;
    assert_eq!(
        order["payment"],
        json!({ "status": "AUTHORIZED", "amount": { "amountMinor": 2 * 1299 + 490 } })
    );
    assert_eq!(order["lines"][0]["product"]["weightGrams"], 400);
    assert_eq!(order["lines"][0]["product"]["stock"]["available"], 8);
    assert_eq!(order["shipment"]["status"], "LABEL_CREATED");

    let shipment = order["shipment"]["id"].as_str().unwrap().to_string();
    let ship = "mutation($id: ID!, $s: ShipmentStatus!) { updateShipmentStatus(id: $id, status: $s) { status } }";
    // Customers cannot move parcels.
    let refused = shop
        .gql(
            &url,
            Some(&ada),
            ship,
            json!({ "id": shipment, "s": "IN_TRANSIT" }),
        )
        .await;
    assert_eq!(
        super::support::error_code(&refused),
        "FORBIDDEN",
        "{refused:#}"
    );
    call(
        &shop,
        &url,
        &admin,
        ship,
        json!({ "id": shipment, "s": "IN_TRANSIT" }),
    )
    .await;
    mart_service::testkit::eventually("SHIPPED and CAPTURED", SAGA_TIMEOUT, || async {
        let data = call(&shop, &url, &ada, ORDER_VIEW, json!({ "id": id })).await;
        (data["order"]["status"] == "SHIPPED" && data["order"]["payment"]["status"] == "CAPTURED")
            .then_some(())
    })
    .await;
    call(
        &shop,
        &url,
        &admin,
        ship,
        json!({ "id": shipment, "s": "DELIVERED" }),
    )
    .await;
    let delivered = mart_service::testkit::eventually("DELIVERED", SAGA_TIMEOUT, || async {
        let data = call(&shop, &url, &ada, ORDER_VIEW, json!({ "id": id })).await;
        (data["order"]["status"] == "DELIVERED").then_some(data["order"].clone())
    })
    .await;
    assert_eq!(delivered["shipment"]["status"], "DELIVERED");
    assert_eq!(
        delivered["lines"][0]["product"]["stock"]["available"], 8,
        "sold, not held"
    );

    // Staff refund part of it.
    let refund = call(
        &shop,
        &url,
        &admin,
        "mutation($id: ID!) { refundPayment(orderId: $id, amountMinor: 500) { status refunded { amountMinor } } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        refund["refundPayment"],
        json!({ "status": "PARTIALLY_REFUNDED", "refunded": { "amountMinor": 500 } })
    );
    let _ = router.stop().await;
    shop.stop().await;
}
