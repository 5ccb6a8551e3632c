//! The shipping subgraph on its own: rates from the rate table, and the
//! `Product` entity's estimate from a weight the router supplies.

use mart_service::{ServiceName, testkit};
use serde_json::{Value, json};

mod limits;

/// The shared [`testkit::TestService`], and what it needs kept alive.
struct Service {
    service: testkit::TestService,
    _auth: testkit::TestAuth,
    /// Drops the database even when a test fails before `stop`.
    _databases: testkit::DropDatabases,
}

impl std::ops::Deref for Service {
    type Target = testkit::TestService;

    fn deref(&self) -> &Self::Target {
        &self.service
    }
}

impl Service {
    /// Stops the service and drops its database.
    async fn stop(self) {
        let config = self.service.stop().await;
        let name = config.database_name(ServiceName::Shipping);
        mart_service::db::drop_database(&config.database_url, &name)
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
    Service {
        service: testkit::TestService::start(config, mart_shipping::SUBGRAPH.start).await,
        _auth: auth,
        _databases: databases,
    }
}

/// Anonymous.
async fn gql(s: &Service, query: &str, variables: Value) -> Value {
    s.gql_as(None, query, variables).await
}

const QUOTE: &str = "query($c: String!, $w: Int!, $cur: String!) { shippingQuote(country: $c, weightGrams: $w, currency: $cur) { amountMinor currency } }";

#[tokio::test(flavor = "multi_thread")]
async fn rates_come_from_the_cheapest_band_that_carries_the_weight() {
    let s = start().await;
    let service = &s;
    let quote = |c: &'static str, w: i64, cur: &'static str| async move {
        gql(service, QUOTE, json!({ "c": c, "w": w, "cur": cur })).await["data"]["shippingQuote"]
            .clone()
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

    let bad = gql(&s, QUOTE, json!({ "c": "Germany", "w": 1, "cur": "EUR" })).await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    // What the router sends for `Product.shippingEstimate` with its required weight.
    let estimate = gql(
        &s,
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
    let anonymous = gql(&s, update, json!({})).await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );

    s.stop().await;
}
