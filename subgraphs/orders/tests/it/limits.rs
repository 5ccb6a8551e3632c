//! Free text has a maximum (docs/limits.md): an over-long value is refused
//! with `BAD_USER_INPUT` naming its field before anything is written, so no
//! customer request can make an event larger than the broker accepts.

use serde_json::json;

use crate::placement::count;
use crate::support::{Shop, order_input};

fn field(body: &serde_json::Value) -> (String, String) {
    let error = &body["errors"][0]["extensions"];
    (
        error["code"].as_str().unwrap_or_default().to_string(),
        error["field"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn over_long_free_text_is_refused_and_nothing_is_written() {
    let shop = Shop::start("limits").await;
    let mug = shop.product(1299, 400, 5).await;
    let ada = shop.customer();

    // The token of issue 13: 300,000 characters, well under the router's
    // 2 MiB body limit, copied into `order.placed` before this bound.
    let huge_token = "t".repeat(300_000);
    let body = shop
        .place(&ada, order_input(&[(mug, 1)], &huge_token, "huge-token"))
        .await;
    assert_eq!(
        field(&body),
        ("BAD_USER_INPUT".into(), "paymentToken".into()),
        "{}",
        body["errors"]
    );
    assert!(body["data"].is_null() || body["data"]["placeOrder"].is_null());

    let mut long_name = order_input(&[(mug, 1)], "tok_ok", "long-name");
    long_name["address"]["name"] = json!("n".repeat(201));
    let mut long_line = order_input(&[(mug, 1)], "tok_ok", "long-line");
    long_line["address"]["line1"] = json!("l".repeat(10_000));
    let cases = [
        (
            order_input(&[(mug, 1)], &"t".repeat(257), "token-257"),
            "paymentToken",
        ),
        (
            order_input(&[(mug, 1)], "tok_ok", &"k".repeat(201)),
            "idempotencyKey",
        ),
        (long_name, "address.name"),
        (long_line, "address.line1"),
        (
            order_input(&vec![(mug, 1); 201], "tok_ok", "many-lines"),
            "lines",
        ),
    ];
    for (input, expected) in cases {
        let body = shop.place(&ada, input).await;
        assert_eq!(
            field(&body),
            ("BAD_USER_INPUT".into(), expected.into()),
            "{}",
            body["errors"]
        );
    }
    assert_eq!(
        count(&shop.orders_db, "SELECT count(*) AS n FROM orders").await,
        0,
        "no refused request made an order"
    );
    assert_eq!(
        count(&shop.orders_db, "SELECT count(*) AS n FROM outbox_events").await,
        0,
        "no refused request made an event"
    );

    // At the limit the order goes through, and its event stays small.
    let at_limit = "t".repeat(256);
    let body = shop
        .place(&ada, order_input(&[(mug, 1)], &at_limit, "token-256"))
        .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let largest = count(
        &shop.orders_db,
        "SELECT max(octet_length(envelope::text))::bigint AS n FROM outbox_events",
    )
    .await;
    assert!(largest < 16_000, "order.placed is {largest} bytes");
    shop.stop().await;
}
