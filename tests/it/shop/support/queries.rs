//! What tests ask the running shop: GraphQL calls as a customer or admin, and
//! waits (with a deadline) for an order, payment, shipment or stock to settle.

use mart_service::testkit;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Customer, SAGA_TIMEOUT, Shop};

impl Shop {
    /// The whole response body of a GraphQL request to `url` as `who`.
    pub async fn gql(
        &self,
        url: &str,
        who: Option<&Customer>,
        query: &str,
        variables: Value,
    ) -> Value {
        let mut request = self
            .client
            .post(url)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(who) = who {
            request = request.bearer_auth(&who.token);
        }
        let response = request.send().await.expect("the service answers");
        assert!(response.status().is_success(), "HTTP {}", response.status());
        response.json().await.expect("a JSON body")
    }

    /// The one field of `data` a request to `url` as `who` answers, which must come with no
    /// errors.
    pub async fn data(&self, url: &str, who: Option<&Customer>, query: &str, vars: Value) -> Value {
        let body = self.gql(url, who, query, vars).await;
        assert!(body.get("errors").is_none(), "{query}: {body:#}");
        let data = body["data"].as_object().expect("data");
        data.values().next().expect("one field").clone()
    }

    pub async fn place(&self, who: &Customer, input: Value) -> Value {
        self.gql(
            &self.orders_url,
            Some(who),
            PLACE_ORDER,
            json!({ "input": input }),
        )
        .await
    }

    /// Places an order that must be accepted; returns its id.
    pub async fn place_ok(&self, who: &Customer, input: Value) -> Uuid {
        let body = self.place(who, input).await;
        assert!(body.get("errors").is_none(), "placeOrder failed: {body:#}");
        let id = body["data"]["placeOrder"]["id"].as_str().unwrap();
        Uuid::parse_str(id).unwrap()
    }

    pub async fn order(&self, who: &Customer, id: Uuid) -> Value {
        let body = self
            .gql(&self.orders_url, Some(who), ORDER, json!({ "id": id }))
            .await;
        assert!(body.get("errors").is_none(), "order query failed: {body:#}");
        body["data"]["order"].clone()
    }

    /// Waits until the order has `status`; returns the order.
    pub async fn wait_for_status(&self, who: &Customer, id: Uuid, status: &str) -> Value {
        let what = format!("order {id} to become {status}");
        testkit::eventually(&what, SAGA_TIMEOUT, || async {
            let order = self.order(who, id).await;
            (order["status"] == status).then_some(order)
        })
        .await
    }

    pub async fn payment(&self, who: &Customer, order: Uuid) -> Value {
        let body = self
            .gql(
                &self.payments_url,
                Some(who),
                "query($id: ID!) { payment(orderId: $id) { id status amount { amountMinor currency } refunded { amountMinor } events { kind } } }",
                json!({ "id": order }),
            )
            .await;
        assert!(
            body.get("errors").is_none(),
            "payment query failed: {body:#}"
        );
        body["data"]["payment"].clone()
    }

    pub async fn wait_for_payment(&self, who: &Customer, order: Uuid, status: &str) -> Value {
        let what = format!("payment of {order} to become {status}");
        testkit::eventually(&what, SAGA_TIMEOUT, || async {
            let payment = self.payment(who, order).await;
            (payment["status"] == status).then_some(payment)
        })
        .await
    }

    pub async fn shipment(&self, who: &Customer, order: Uuid) -> Value {
        let body = self
            .gql(
                &self.shipping_url,
                Some(who),
                "query($id: ID!) { shipment(orderId: $id) { id status carrier trackingNumber events { status } } }",
                json!({ "id": order }),
            )
            .await;
        assert!(
            body.get("errors").is_none(),
            "shipment query failed: {body:#}"
        );
        body["data"]["shipment"].clone()
    }

    pub async fn wait_for_shipment(&self, who: &Customer, order: Uuid) -> Value {
        testkit::eventually("the shipment", SAGA_TIMEOUT, || async {
            let shipment = self.shipment(who, order).await;
            (!shipment.is_null()).then_some(shipment)
        })
        .await
    }

    /// The `to` of every `order.status_changed` the orders service emitted for
    /// `order`, in order.
    pub async fn status_changes(&self, order: Uuid) -> Vec<String> {
        #[derive(diesel::QueryableByName)]
        struct To {
            #[diesel(sql_type = diesel::sql_types::Text)]
            to: String,
        }
        let mut conn = self.orders_db.conn().await.unwrap();
        let rows: Vec<To> = diesel_async::RunQueryDsl::load(
            diesel::sql_query(
                "SELECT envelope->'payload'->>'to' AS to FROM outbox_events \
                 WHERE envelope->>'type' = 'order.status_changed' AND message_key = $1 ORDER BY seq",
            )
            .bind::<diesel::sql_types::Text, _>(order.to_string()),
            &mut conn,
        )
        .await
        .unwrap();
        rows.into_iter().map(|r| r.to).collect()
    }

    /// Staff moving the parcel; returns the whole response.
    pub async fn set_shipment_status(&self, shipment_id: &str, status: &str) -> Value {
        let admin = self.admin();
        self.gql(
            &self.shipping_url,
            Some(&admin),
            "mutation($id: ID!, $s: ShipmentStatus!) { updateShipmentStatus(id: $id, status: $s) { id status } }",
            json!({ "id": shipment_id, "s": status }),
        )
        .await
    }

    /// (on hand, reserved, available) over every warehouse, as inventory shows it.
    pub async fn stock(&self, product: Uuid) -> (i64, i64, i64) {
        let body = self
            .gql(
                &self.inventory_url,
                None,
                "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { stock { onHand reserved available } } } }",
                json!({ "r": [{ "__typename": "Product", "id": product }] }),
            )
            .await;
        let stock = &body["data"]["_entities"][0]["stock"];
        assert!(stock.is_object(), "stock query failed: {body:#}");
        let n = |f: &str| stock[f].as_i64().unwrap();
        (n("onHand"), n("reserved"), n("available"))
    }
}

/// A valid placeOrder input for `lines` of (product, quantity).
pub fn order_input(lines: &[(Uuid, i32)], token: &str, key: &str) -> Value {
    json!({
        "lines": lines.iter().map(|(p, q)| json!({ "productId": p, "quantity": q })).collect::<Vec<_>>(),
        "address": {
            "name": "Ada Lovelace",
            "line1": "1 Analytical Way",
            "city": "Berlin",
            "postalCode": "10115",
            "country": "DE"
        },
        "paymentToken": token,
        "idempotencyKey": key,
    })
}

pub fn error_code(body: &Value) -> String {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error with a code: {body:#}"))
        .to_string()
}

pub const PLACE_ORDER: &str = r#"
mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    id number status
    subtotal { amountMinor currency } shippingCost { amountMinor currency } total { amountMinor currency }
    lines { product { id } quantity unitPrice { amountMinor } lineTotal { amountMinor } }
  }
}"#;

pub const ORDER: &str = r#"
query($id: ID!) {
  order(id: $id) {
    id number status cancelReason
    total { amountMinor currency }
    statusHistory { status reason }
  }
}"#;

/// Waits until inventory shows (on hand, reserved, available) for `product`.
pub async fn wait_for_stock(shop: &Shop, product: Uuid, expected: (i64, i64, i64)) {
    let what = format!("stock of {product} to be {expected:?}");
    testkit::eventually(&what, SAGA_TIMEOUT, || async {
        (shop.stock(product).await == expected).then_some(())
    })
    .await;
}
