//! Discount codes on a cart: staff create them, a shopper applies one, the cart's
//! figures follow, and a code that stops applying says why.

use mart_auth::Role;
use serde_json::{Value, json};

use crate::support::{Shop, add, create_cart, set};

const CREATE: &str = "mutation($input: DiscountCodeInput!) { createDiscountCode(input: $input) { \
    code percentOff amountOff { amountMinor currency } minSubtotal uses } }";
const APPLY: &str = "mutation($c: ID!, $code: String!) { applyDiscountCode(cartId: $c, code: $code) { \
    discountCode discount { amountMinor } discountProblem subtotal { amountMinor } total { amountMinor } \
    lines { discount { amountMinor } } } }";
const VIEW: &str = "query($c: ID!) { cart(id: $c) { discountCode discount { amountMinor } discountProblem \
    total { amountMinor } } }";

#[tokio::test(flavor = "multi_thread")]
async fn a_code_takes_its_share_off_and_says_when_it_stops_applying() {
    let shop = Shop::start("checkout_discounts").await;
    let admin = shop.admin().to_string();
    let created = shop
        .ok(
            Some(&admin),
            CREATE,
            json!({ "input": { "code": "save15", "percentOff": 1500, "minSubtotal": 3000 } }),
        )
        .await;
    assert_eq!(created["code"], "SAVE15");
    assert_eq!(created["uses"], 0);
    shop.ok(
        Some(&admin),
        CREATE,
        json!({ "input": { "code": "FIVER", "amountOff": { "amountMinor": 500, "currency": "EUR" } } }),
    )
    .await;
    shop.ok(
        Some(&admin),
        CREATE,
        json!({ "input": { "code": "OLD", "percentOff": 5000,
            "startsAt": "2020-01-01T00:00:00Z", "endsAt": "2020-02-01T00:00:00Z" } }),
    )
    .await;

    let (mug, pen) = (
        shop.product("MUG", 1000).await,
        shop.product("PEN", 2000).await,
    );
    let cart = shop.ok(None, &create_cart(), json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (q, v) = add(&cart, &mug, 1);
    shop.ok(None, &q, v).await;

    // 1000 is below SAVE15's minimum of 3000: refused, saying why.
    let body = shop
        .gql(None, APPLY, json!({ "c": cart, "code": "save15" }))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    assert_eq!(body["errors"][0]["extensions"]["field"], "code");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at least 3000")
    );

    let (q, v) = add(&cart, &pen, 1);
    shop.ok(None, &q, v).await;
    let applied = shop
        .ok(None, APPLY, json!({ "c": cart, "code": " Save15 " }))
        .await;
    assert_eq!(applied["discountCode"], "SAVE15");
    // 15 % of 3000, spread 1:2 over the lines.
    assert_eq!(applied["discount"]["amountMinor"], 450);
    assert_eq!(applied["total"]["amountMinor"], 2550);
    let shares: Vec<Value> = applied["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["discount"]["amountMinor"].clone())
        .collect();
    assert_eq!(shares, [json!(150), json!(300)]);

    // The pen taken out: below the minimum again; the code stays, inactive, with why.
    let (q, v) = set(&cart, &pen, 0);
    shop.ok(None, &q, v).await;
    let view = shop.ok(None, VIEW, json!({ "c": cart })).await;
    assert_eq!(view["discountCode"], "SAVE15");
    assert_eq!(view["discount"], Value::Null);
    assert!(
        view["discountProblem"]
            .as_str()
            .unwrap()
            .contains("at least 3000")
    );
    assert_eq!(view["total"]["amountMinor"], 1000);

    // A fixed amount; never more than the subtotal's worth.
    let fiver = shop
        .ok(None, APPLY, json!({ "c": cart, "code": "FIVER" }))
        .await;
    assert_eq!(fiver["discount"]["amountMinor"], 500);
    assert_eq!(fiver["total"]["amountMinor"], 500);
    let removed = shop
        .ok(
            None,
            "mutation($c: ID!) { removeDiscountCode(cartId: $c) { discountCode total { amountMinor } } }",
            json!({ "c": cart }),
        )
        .await;
    assert_eq!(
        removed,
        json!({ "discountCode": null, "total": { "amountMinor": 1000 } })
    );

    // Expired, unknown, malformed: refused on `code`.
    for code in ["OLD", "NOPE", "no way"] {
        let body = shop
            .gql(None, APPLY, json!({ "c": cart, "code": code }))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["field"], "code",
            "{code}: {body}"
        );
    }
    // Staff only; codes are unique; exactly one kind of discount.
    let customer = shop.auth.token(Role::Customer);
    let input = json!({ "input": { "code": "MINE", "percentOff": 100 } });
    assert_eq!(
        shop.error(Some(&customer), CREATE, input).await.0,
        "FORBIDDEN"
    );
    let again = json!({ "input": { "code": "save15", "percentOff": 100 } });
    assert_eq!(shop.error(Some(&admin), CREATE, again).await.0, "CONFLICT");
    for (input, field) in [
        (
            json!({ "code": "BOTH", "percentOff": 100, "amountOff": { "amountMinor": 1, "currency": "EUR" } }),
            "percentOff",
        ),
        (json!({ "code": "BIG", "percentOff": 10_001 }), "percentOff"),
        (
            json!({ "code": "ZERO", "amountOff": { "amountMinor": 0, "currency": "EUR" } }),
            "amountOff",
        ),
        (
            json!({ "code": "BACK", "percentOff": 100, "startsAt": "2030-01-02T00:00:00Z", "endsAt": "2030-01-01T00:00:00Z" }),
            "endsAt",
        ),
    ] {
        let (code, got) = shop
            .error(Some(&admin), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(
            (code.as_str(), got.as_deref()),
            ("BAD_USER_INPUT", Some(field)),
            "{input}"
        );
    }
    shop.stop().await;
}
