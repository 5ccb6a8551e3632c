//! Codes have a fixed length (docs/limits.md): anything longer is refused
//! with `BAD_USER_INPUT` naming its argument, not looked up.

use serde_json::json;

use crate::{QUOTE, gql, start};

#[tokio::test(flavor = "multi_thread")]
async fn over_long_country_and_currency_codes_are_refused() {
    let s = start().await;
    for (variables, field) in [
        (
            json!({ "c": "D".repeat(300_000), "w": 1, "cur": "EUR" }),
            "country",
        ),
        (
            json!({ "c": "DE", "w": 1, "cur": "E".repeat(300_000) }),
            "currency",
        ),
        (json!({ "c": "DE", "w": 1, "cur": "EURO" }), "currency"),
    ] {
        let body = gql(&s.url, QUOTE, variables).await;
        let error = &body["errors"][0]["extensions"];
        assert_eq!(
            (&error["code"], &error["field"]),
            (&json!("BAD_USER_INPUT"), &json!(field)),
            "{body:#}"
        );
    }
    // The same rule for the estimate the router asks on a product.
    let body = gql(
        &s.url,
        "query($r: [_Any!]!, $cur: String!) { _entities(representations: $r) { ... on Product { shippingEstimate(country: \"FR\", currency: $cur) { amountMinor } } } }",
        json!({ "r": [{ "__typename": "Product", "id": "p1", "weightGrams": 2500 }], "cur": "X".repeat(1_000) }),
    )
    .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "currency",
        "{body:#}"
    );

    s.stop().await;
}
