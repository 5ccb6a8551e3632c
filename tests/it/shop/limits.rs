//! Free text has a maximum (docs/limits.md): an over-long value is refused
//! with `BAD_USER_INPUT` naming its field before anything is written, so no
//! customer request can make an event larger than the broker accepts.

use serde_json::json;

use super::placement::count;
use super::support::{Shop, order_input};

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

/// Issue 16: control characters, text-direction overrides and made-up
/// countries went into the order, its event and the shipping label.
#[tokio::test(flavor = "multi_thread")]
async fn addresses_with_control_characters_overrides_or_unassigned_countries_are_refused() {
    let shop = Shop::start("address_rules").await;
    let mug = shop.product(1299, 400, 5).await;
    let ada = shop.customer();
    let cases = [
        ("name", "Ada\u{7}Lovelace", "address.name"),
        ("line1", "1 Analytical Way\nDROP", "address.line1"),
        ("line1", "1 Analytical \u{202E}yaW", "address.line1"),
        ("line2", "Flat \u{2066}2", "address.line2"),
        ("city", "Ber\u{1b}[2Jlin", "address.city"),
        ("postalCode", "10115\u{0}", "address.postalCode"),
        ("country", "XX", "address.country"),
        ("country", "UK", "address.country"),
        ("country", "zz", "address.country"),
    ];
    for (i, (key, value, expected)) in cases.into_iter().enumerate() {
        let mut input = order_input(&[(mug, 1)], "tok_ok", &format!("address-{i}"));
        input["address"][key] = json!(value);
        let body = shop.place(&ada, input).await;
        assert_eq!(
            field(&body),
            ("BAD_USER_INPUT".into(), expected.into()),
            "{key} = {value:?}: {body:#}"
        );
    }
    assert_eq!(
        count(&shop.orders_db, "SELECT count(*) AS n FROM orders").await,
        0,
        "no refused address made an order"
    );
    assert_eq!(
        count(&shop.orders_db, "SELECT count(*) AS n FROM outbox_events").await,
        0,
        "no refused address made an event"
    );

    // Right-to-left text itself is an address like any other.
    let mut tel_aviv = order_input(&[(mug, 1)], "tok_ok", "address-ok");
    tel_aviv["address"]["city"] = json!("תל אביב");
    tel_aviv["address"]["country"] = json!("il");
    let body = shop.place(&ada, tel_aviv).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    shop.stop().await;
}

/// Issue 16: `Money.amountMinor` is a GraphQL `Int` (32 bits), so a larger
/// total used to be stored and then answered as null by the router.
#[tokio::test(flavor = "multi_thread")]
async fn totals_a_graphql_int_cannot_carry_are_refused_at_placement() {
    let shop = Shop::start("money_limits").await;
    let max = i64::from(i32::MAX);
    // The dearest price products allows.
    let dear = shop.product(max, 400, 5).await;
    let half = shop.product(max / 2 + 1, 400, 5).await;
    let quarter = shop.product(max / 4, 400, 5).await;
    let ada = shop.customer();
    let cases = [
        ("the price plus shipping", vec![(dear, 1)]),
        ("one line", vec![(half, 2)]),
        ("two lines", vec![(quarter, 3), (half, 1)]),
    ];
    for (i, (what, lines)) in cases.into_iter().enumerate() {
        let body = shop
            .place(&ada, order_input(&lines, "tok_ok", &format!("money-{i}")))
            .await;
        assert_eq!(
            field(&body),
            ("BAD_USER_INPUT".into(), "lines".into()),
            "{what}: {body:#}"
        );
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("at most 2147483647"), "{what}: {message}");
    }
    assert_eq!(
        count(&shop.orders_db, "SELECT count(*) AS n FROM orders").await,
        0,
        "no refused total was stored"
    );
    assert_eq!(
        count(&shop.orders_db, "SELECT count(*) AS n FROM outbox_events").await,
        0
    );

    // Just under the bound the order goes through with every amount a number.
    let body = shop
        .place(&ada, order_input(&[(quarter, 3)], "tok_ok", "money-ok"))
        .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let order = &body["data"]["placeOrder"];
    let total = order["total"]["amountMinor"].as_i64().unwrap();
    assert_eq!(total, 3 * (max / 4) + 490);
    assert!(total <= max);
    shop.stop().await;
}
