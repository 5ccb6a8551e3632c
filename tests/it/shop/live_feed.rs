//! What the router-live tests share: a router set up as `mart up` sets it up
//! (tokens verified against the users service's JWKS), one reader over the
//! three subscription transports, and a log of the updates a client received.

use std::collections::HashMap;

use mart_service::testkit::clients::Socket;
use serde_json::{Value, json};

use super::streams::HttpStream;
use super::support::{Customer, Shop};

/// Every update with fields that only other subgraphs know: product names
/// (products) and the payment (payments).
const UPDATE_FIELDS: &str = "status previousStatus order { id number lines { quantity product { name } } payment { status } }";

pub fn my_order_updates() -> String {
    format!("subscription {{ myOrderUpdates {{ {UPDATE_FIELDS} }} }}")
}

pub fn order_status_changed() -> String {
    format!("subscription($id: ID!) {{ orderStatusChanged(orderId: $id) {{ {UPDATE_FIELDS} }} }}")
}

/// The federation router over the checked-in supergraph and this shop's
/// subgraphs (orders at `orders_url` if given), verifying tokens like `mart up`.
pub async fn router(shop: &Shop, orders_url: Option<&str>) -> mart_router::RunningRouter {
    let mut config = shop.router_config();
    if let Some(url) = orders_url {
        config
            .subgraph_urls
            .insert("orders".to_string(), url.to_string());
    }
    config.auth.jwks_url = Some(shop.config.jwks_url());
    config.auth.issuer = Some(shop.config.auth.issuer.clone());
    config.auth.audience = Some(shop.config.auth.audience.clone());
    mart_router::start(config).await.expect("the router starts")
}

/// A placed order as the client knows it.
pub struct Placed {
    pub id: String,
    pub number: String,
}

impl Placed {
    pub fn uuid(&self) -> uuid::Uuid {
        uuid::Uuid::parse_str(&self.id).unwrap()
    }
}

/// Places an order through the router at `url`.
pub async fn place(shop: &Shop, url: &str, who: &Customer, input: Value) -> Placed {
    let body = shop
        .gql(
            url,
            Some(who),
            super::support::PLACE_ORDER,
            json!({ "input": input }),
        )
        .await;
    assert!(body.get("errors").is_none(), "placeOrder failed: {body:#}");
    let order = &body["data"]["placeOrder"];
    Placed {
        id: order["id"].as_str().unwrap().to_string(),
        number: order["number"].as_str().unwrap().to_string(),
    }
}

/// A product's name as the router shows it.
pub async fn product_name(shop: &Shop, url: &str, product: uuid::Uuid) -> String {
    let body = shop
        .gql(
            url,
            None,
            "query($id: ID!) { product(id: $id) { name } }",
            json!({ "id": product }),
        )
        .await;
    body["data"]["product"]["name"]
        .as_str()
        .unwrap_or_else(|| panic!("the product's name: {body:#}"))
        .to_string()
}

/// One client's subscription, whatever carries it.
pub enum Feed {
    // Boxed: a socket that may carry TLS is over a kilobyte, the HTTP stream a tenth of it.
    Ws(Box<Socket>),
    Http(HttpStream),
}

impl Feed {
    pub async fn next_data(&mut self) -> Value {
        match self {
            Feed::Ws(socket) => socket.next_data("1").await,
            Feed::Http(stream) => stream.next_data().await,
        }
    }

    /// Skips updates until the result with errors that ends the stream;
    /// returns its first error's code once the stream has completed.
    pub async fn end_code(&mut self) -> String {
        loop {
            let result = match self {
                Feed::Ws(socket) => {
                    let message = socket.recv().await;
                    match message["type"].as_str() {
                        Some("next") => message["payload"].clone(),
                        Some("error") => json!({ "errors": message["payload"] }),
                        _ => panic!("expected a result, got {message:#}"),
                    }
                }
                Feed::Http(stream) => stream
                    .next_result()
                    .await
                    .expect("a last result before the stream ends"),
            };
            let Some(code) = result["errors"][0]["extensions"]["code"].as_str() else {
                assert!(result.get("errors").is_none(), "{result:#}");
                continue;
            };
            match self {
                Feed::Ws(socket) => {
                    let complete = socket.recv().await;
                    assert_eq!(complete["type"], "complete", "{complete:#}");
                }
                Feed::Http(stream) => {
                    assert_eq!(stream.next_result().await, None, "the stream completes");
                }
            }
            return code.to_string();
        }
    }
}

/// The updates a client received, per order, in the order they came.
#[derive(Default)]
pub struct Updates(HashMap<String, Vec<Value>>);

impl Updates {
    /// Reads `field` updates from `feed` until `done` holds.
    pub async fn read_until(
        &mut self,
        feed: &mut Feed,
        field: &str,
        done: impl Fn(&Updates) -> bool,
    ) {
        while !done(self) {
            let data = feed.next_data().await;
            let update = data[field].clone();
            let order = update["order"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("an update names its order: {data:#}"))
                .to_string();
            self.0.entry(order).or_default().push(update);
        }
    }

    pub fn of(&self, order: &str) -> &[Value] {
        self.0.get(order).map_or(&[], Vec::as_slice)
    }

    pub fn statuses(&self, order: &str) -> Vec<String> {
        self.of(order)
            .iter()
            .map(|u| u["status"].as_str().unwrap().to_string())
            .collect()
    }

    pub fn reached(&self, order: &str, status: &str) -> bool {
        self.of(order).iter().any(|u| u["status"] == status)
    }

    /// Each update of `order` names the one before it as its previous status.
    pub fn assert_chained(&self, order: &str) {
        for pair in self.of(order).windows(2) {
            assert_eq!(pair[1]["previousStatus"], pair[0]["status"], "{pair:#?}");
        }
        if let Some(first) = self.of(order).first()
            && first["status"] == "PENDING"
        {
            assert_eq!(first["previousStatus"], Value::Null, "{first:#}");
        }
    }

    /// Every update of `order` carries what the other subgraphs resolved: the
    /// product's name, and once the order is confirmed its authorized payment.
    pub fn assert_resolved(&self, order: &Placed, product: &str) {
        for update in self.of(&order.id) {
            assert_eq!(update["order"]["number"], order.number.as_str());
            assert_eq!(
                update["order"]["lines"],
                json!([{ "quantity": 1, "product": { "name": product } }]),
                "{update:#}"
            );
            let payment = &update["order"]["payment"]["status"];
            match update["status"].as_str().unwrap() {
                // Payment is authorized before the order is confirmed, and
                // captured only once it ships.
                "CONFIRMED" | "AWAITING_SHIPMENT" => {
                    assert_eq!(payment, "AUTHORIZED", "{update:#}")
                }
                "SHIPPED" => assert!(
                    payment == "AUTHORIZED" || payment == "CAPTURED",
                    "{update:#}"
                ),
                // Payments may not have heard of the order yet.
                _ => {}
            }
        }
    }
}
