//! The shipping subgraph on its own: rates from the rate table, and the
//! `Product` entity's estimate from a weight the router supplies.

use mart_service::{ServiceName, testkit};
use serde_json::{Value, json};

mod limits;

struct Service {
    url: String,
    config: mart_service::ServiceConfig,
    shutdown: tokio_util::sync::CancellationToken,
    handle: mart_service::ServiceHandle,
    _auth: testkit::TestAuth,
    /// Drops the database even when a test fails before `stop`.
    _databases: testkit::DropDatabases,
}

impl Service {
    /// Stops the service and drops its database.
    async fn stop(self) {
        self.shutdown.cancel();
        self.handle.join().await;
        let name = self.config.database_name(ServiceName::Shipping);
        mart_service::db::drop_database(&self.config.database_url, &name)
            .await
            .unwrap();
    }
}

async fn start() -> Service {
    start_with(|_| {}).await
}

async fn start_with(adjust: impl FnOnce(&mut mart_service::ServiceConfig)) -> Service {
    let mut config = testkit::isolated_config("shipping");
    adjust(&mut config);
    let databases = testkit::DropDatabases::new(&config);
    let auth = testkit::TestAuth::start(&mut config).await;
    let shutdown = tokio_util::sync::CancellationToken::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let handle = mart_shipping::start(&config, listener, shutdown.clone())
        .await
        .unwrap();
    Service {
        url: format!("http://{}/graphql", handle.addr),
        config,
        shutdown,
        handle,
        _auth: auth,
        _databases: databases,
    }
}

async fn gql(url: &str, query: &str, variables: Value) -> Value {
    reqwest::Client::new()
        .post(url)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

const QUOTE: &str = "query($c: String!, $w: Int!, $cur: String!) { shippingQuote(country: $c, weightGrams: $w, currency: $cur) { amountMinor currency } }";

#[tokio::test(flavor = "multi_thread")]
async fn rates_come_from_the_cheapest_band_that_carries_the_weight() {
    let s = start().await;
    let quote = |c: &'static str, w: i64, cur: &'static str| {
        let url = s.url.clone();
        async move {
            gql(&url, QUOTE, json!({ "c": c, "w": w, "cur": cur })).await["data"]["shippingQuote"]
                .clone()
        }
    };
    assert_eq!(
        quote("DE", 1999, "EUR").await,
        json!({ "amountMinor": 490, "currency": "EUR" })
    );
    assert_eq!(quote("DE", 2001, "EUR").await["amountMinor"], 790);
    assert_eq!(
        quote("de", 31_500, "EUR").await["amountMinor"],
        1490,
        "codes are case-insensitive"
    );
    // Countries without rates of their own use the fallback band.
    assert_eq!(quote("JP", 500, "EUR").await["amountMinor"], 1490);
    assert_eq!(quote("US", 500, "USD").await["amountMinor"], 690);
    // Too heavy for any band, or a currency nobody charges in: nothing ships.
    assert!(quote("DE", 40_000, "EUR").await.is_null());
    assert!(quote("DE", 500, "JPY").await.is_null());

    let bad = gql(
        &s.url,
        QUOTE,
        json!({ "c": "Germany", "w": 1, "cur": "EUR" }),
    )
    .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    // What the router sends for `Product.shippingEstimate` with its required weight.
    let estimate = gql(
        &s.url,
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { shippingEstimate(country: \"FR\") { amountMinor } } } }",
        json!({ "r": [{ "__typename": "Product", "id": "p1", "weightGrams": 2500 }] }),
    )
    .await;
    assert_eq!(
        estimate["data"]["_entities"][0]["shippingEstimate"]["amountMinor"],
        1390
    );

    // Moving parcels needs a signed-in staff member.
    let update = "mutation { updateShipmentStatus(id: \"00000000-0000-0000-0000-000000000000\", status: IN_TRANSIT) { id } }";
    let anonymous = gql(&s.url, update, json!({})).await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );

    s.stop().await;
}
