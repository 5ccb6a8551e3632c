//! Checkout through the router, against every service and the broker: a guest's cart,
//! merged at sign-in, discounted, taxed and checked out into the saga; a price change
//! answered instead of charged; a discount code's uses taken atomically and given back
//! when the order is cancelled.

use std::time::Duration;

use mart_service::{ServiceName, testkit};
use serde_json::{Value, json};
use uuid::Uuid;

use super::support::{Customer, SAGA_TIMEOUT, Shop, error_code};

const FIGURES: &str = "id status itemCount subtotal { amountMinor currency } discount { amountMinor } \
    discountProblem tax { amountMinor } shipping { amountMinor } total { amountMinor } \
    lines { quantity discount { amountMinor } tax { amountMinor } }";

const CHECKOUT: &str = "mutation($c: ID!, $t: String!, $k: String!, $e: Int!) { \
    checkoutComplete(cartId: $c, paymentToken: $t, idempotencyKey: $k, expectedTotal: $e) { \
    outcome orderId cart { id status total { amountMinor } discountProblem } \
    order { id status total { amountMinor } } } }";

const ORDER: &str = "query($id: ID!) { order(id: $id) { status number subtotal { amountMinor } \
    discount { amountMinor } discountCode tax { amountMinor } shippingCost { amountMinor } \
    total { amountMinor } lines { quantity discount { amountMinor } tax { amountMinor } } } }";

async fn call(shop: &Shop, url: &str, who: Option<&Customer>, query: &str, vars: Value) -> Value {
    shop.data(url, who, query, vars).await
}

async fn set_rate(shop: &Shop, url: &str, country: &str, basis_points: i32) {
    let admin = shop.admin();
    let set = "mutation($c: String!, $bp: Int!) { setTaxRate(country: $c, basisPoints: $bp) { country } }";
    call(
        shop,
        url,
        Some(&admin),
        set,
        json!({ "c": country, "bp": basis_points }),
    )
    .await;
}

async fn create_code(shop: &Shop, url: &str, input: Value) {
    let admin = shop.admin();
    let create = "mutation($i: DiscountCodeInput!) { createDiscountCode(input: $i) { code } }";
    call(shop, url, Some(&admin), create, json!({ "i": input })).await;
}

async fn code_uses(shop: &Shop, url: &str, code: &str) -> i64 {
    let admin = shop.admin();
    let codes = call(
        shop,
        url,
        Some(&admin),
        "{ discountCodes { code uses } }",
        json!({}),
    )
    .await;
    let found = codes.as_array().unwrap().iter().find(|c| c["code"] == code);
    found.expect("the code is listed")["uses"].as_i64().unwrap()
}

/// A customer's cart holding `lines`, sent to Amsterdam, with `code` on it if given.
async fn filled_cart(
    shop: &Shop,
    url: &str,
    who: &Customer,
    lines: &[(Uuid, i32)],
    code: Option<&str>,
) -> Value {
    let cart = call(
        shop,
        url,
        Some(who),
        "mutation { createCart { id } }",
        json!({}),
    )
    .await;
    let id = cart["id"].as_str().unwrap().to_string();
    let add = "mutation($c: ID!, $p: ID!, $q: Int!) { addToCart(cartId: $c, productId: $p, quantity: $q) { id } }";
    for (product, quantity) in lines {
        call(
            shop,
            url,
            Some(who),
            add,
            json!({ "c": id, "p": product, "q": quantity }),
        )
        .await;
    }
    let send = "mutation($c: ID!) { setCartAddress(cartId: $c, address: { name: \"Ada\", \
        line1: \"1 Dam\", city: \"Amsterdam\", postalCode: \"1012 JS\", country: \"NL\" }) { id } }";
    call(shop, url, Some(who), send, json!({ "c": id })).await;
    if let Some(code) = code {
        let apply =
            "mutation($c: ID!, $d: String!) { applyDiscountCode(cartId: $c, code: $d) { id } }";
        call(shop, url, Some(who), apply, json!({ "c": id, "d": code })).await;
    }
    let read = format!("query($c: ID!) {{ cart(id: $c) {{ {FIGURES} }} }}");
    call(shop, url, Some(who), &read, json!({ "c": id })).await
}

fn total_of(cart: &Value) -> i64 {
    cart["total"]["amountMinor"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_cart_checks_out_into_a_confirmed_order_with_its_discount_and_tax() {
    let shop = Shop::start("checkout").await;
    let router = shop.router().await;
    let url = router.graphql_url();
    let (mug, pen) = (
        shop.product(1299, 400, 7).await,
        shop.product(350, 20, 5).await,
    );
    set_rate(&shop, &url, "NL", 2100).await;
    create_code(
        &shop,
        &url,
        json!({ "code": "TENOFF", "percentOff": 1000, "minSubtotal": 0, "maxUses": 10 }),
    )
    .await;

    // A guest fills a cart; at sign-in it becomes the customer's.
    let guest = call(
        &shop,
        &url,
        None,
        "mutation { createCart { id } }",
        json!({}),
    )
    .await;
    let guest_id = guest["id"].as_str().unwrap().to_string();
    let add = "mutation($c: ID!, $p: ID!, $q: Int!) { addToCart(cartId: $c, productId: $p, quantity: $q) { id } }";
    call(
        &shop,
        &url,
        None,
        add,
        json!({ "c": guest_id, "p": mug, "q": 2 }),
    )
    .await;
    call(
        &shop,
        &url,
        None,
        add,
        json!({ "c": guest_id, "p": pen, "q": 1 }),
    )
    .await;
    let ada = shop.customer();
    // A guest's cart is checked out once it is somebody's: after sign-in and merge.
    let early = json!({ "c": guest_id, "t": "tok_ok", "k": "early", "e": 0 });
    let body = shop.gql(&url, None, CHECKOUT, early.clone()).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body:#}");
    let body = shop.gql(&url, Some(&ada), CHECKOUT, early).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("mergeCart"),
        "{body:#}"
    );
    let merge = "mutation($g: ID!) { mergeCart(guestCartId: $g) { id } }";
    call(&shop, &url, Some(&ada), merge, json!({ "g": guest_id })).await;
    let send = "mutation($c: ID!) { setCartAddress(cartId: $c, address: { name: \"Ada\", \
        line1: \"1 Dam\", city: \"Amsterdam\", postalCode: \"1012 JS\", country: \"NL\" }) { id } }";
    call(&shop, &url, Some(&ada), send, json!({ "c": guest_id })).await;
    let apply = "mutation($c: ID!) { applyDiscountCode(cartId: $c, code: \"tenoff\") { id } }";
    call(&shop, &url, Some(&ada), apply, json!({ "c": guest_id })).await;
    let read = format!("query($c: ID!) {{ cart(id: $c) {{ {FIGURES} }} }}");
    let cart = call(&shop, &url, Some(&ada), &read, json!({ "c": guest_id })).await;
    let subtotal = 2 * 1299 + 350;
    assert_eq!(cart["subtotal"]["amountMinor"], subtotal);
    assert_eq!(
        cart["discount"]["amountMinor"], 295,
        "10 % of 2948, rounded"
    );
    let shown = total_of(&cart);

    // A price changes after the customer read the cart: nothing is placed, the cart
    // comes back with the new figures.
    let admin = shop.admin();
    let reprice = "mutation($id: ID!) { updateProduct(id: $id, input: { price: { amountMinor: 399, currency: \"EUR\" } }) { id } }";
    call(&shop, &url, Some(&admin), reprice, json!({ "id": pen })).await;
    let vars =
        |total: i64, key: &str| json!({ "c": guest_id, "t": "tok_ok", "k": key, "e": total });
    let changed = call(&shop, &url, Some(&ada), CHECKOUT, vars(shown, "k1")).await;
    assert_eq!(changed["outcome"], "PRICE_CHANGED", "{changed:#}");
    assert_eq!(changed["orderId"], Value::Null);
    assert_eq!(changed["cart"]["status"], "ACTIVE");
    let new_total = changed["cart"]["total"]["amountMinor"].as_i64().unwrap();
    assert!(new_total > shown, "{shown} → {new_total}");
    assert_eq!(code_uses(&shop, &url, "TENOFF").await, 0, "no use taken");

    // Accepting the new total places the order.
    let cart = call(&shop, &url, Some(&ada), &read, json!({ "c": guest_id })).await;
    assert_eq!(total_of(&cart), new_total);
    let placed = call(&shop, &url, Some(&ada), CHECKOUT, vars(new_total, "k1")).await;
    assert_eq!(placed["outcome"], "PLACED", "{placed:#}");
    assert_eq!(placed["cart"]["status"], "ORDERED");
    let order_id: Uuid = placed["orderId"].as_str().unwrap().parse().unwrap();
    // The answer waited for orders: the order is there, for the router to resolve.
    assert_eq!(placed["order"]["id"], order_id.to_string(), "{placed:#}");
    assert_eq!(placed["order"]["total"]["amountMinor"], new_total);

    shop.wait_for_status(&ada, order_id, "CONFIRMED").await;
    let order = call(&shop, &url, Some(&ada), ORDER, json!({ "id": order_id })).await;
    // The order's totals are the cart's, line by line.
    assert_eq!(order["total"]["amountMinor"], new_total);
    assert_eq!(
        order["subtotal"],
        cart["subtotal"]
            .as_object()
            .map(|s| json!({ "amountMinor": s["amountMinor"] }))
            .unwrap()
    );
    assert_eq!(order["discount"], cart["discount"]);
    assert_eq!(order["discountCode"], "TENOFF");
    assert_eq!(order["tax"], cart["tax"]);
    assert_eq!(order["shippingCost"], cart["shipping"]);
    let strip = |lines: &Value| -> Vec<Value> {
        lines
            .as_array()
            .unwrap()
            .iter()
            .map(|l| json!([l["quantity"], l["discount"], l["tax"]]))
            .collect()
    };
    assert_eq!(strip(&order["lines"]), strip(&cart["lines"]));
    // What payments authorized is that total.
    let payment = shop.wait_for_payment(&ada, order_id, "AUTHORIZED").await;
    assert_eq!(payment["amount"]["amountMinor"], new_total, "{payment:#}");
    assert_eq!(code_uses(&shop, &url, "TENOFF").await, 1);

    // The same checkout again answers the same order; another key is a conflict.
    let again = call(&shop, &url, Some(&ada), CHECKOUT, vars(new_total, "k1")).await;
    assert_eq!(again["orderId"], order_id.to_string());
    let body = shop
        .gql(&url, Some(&ada), CHECKOUT, vars(new_total, "k2"))
        .await;
    assert_eq!(error_code(&body), "CONFLICT", "{body:#}");
    assert_eq!(code_uses(&shop, &url, "TENOFF").await, 1);
    // The customer starts afresh.
    let mine = call(&shop, &url, Some(&ada), "{ myCart { id } }", json!({})).await;
    assert_eq!(mine, Value::Null);

    // Cancelled, the order gives its discount use back (order.cancelled, consumed by
    // checkout).
    let cancel = "mutation($id: ID!) { cancelOrder(id: $id) { status } }";
    call(&shop, &url, Some(&ada), cancel, json!({ "id": order_id })).await;
    testkit::eventually(
        "the discount use to be given back",
        SAGA_TIMEOUT,
        || async { (code_uses(&shop, &url, "TENOFF").await == 0).then_some(()) },
    )
    .await;
    let _ = router.stop().await;
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_code_with_five_uses_discounts_exactly_five_of_fifty_concurrent_checkouts() {
    let shop = Shop::start("checkoutrace").await;
    let router = shop.router().await;
    let url = router.graphql_url();
    let pen = shop.product(1000, 20, 60).await;
    create_code(
        &shop,
        &url,
        json!({ "code": "FIVE", "amountOff": { "amountMinor": 300, "currency": "EUR" },
                "minSubtotal": 0, "maxUses": 5 }),
    )
    .await;
    let customers: Vec<Customer> = (0..50).map(|_| shop.customer()).collect();
    let lines = [(pen, 1)];
    let carts = futures::future::join_all(
        customers
            .iter()
            .map(|who| filled_cart(&shop, &url, who, &lines, Some("FIVE"))),
    )
    .await;
    for cart in &carts {
        assert_eq!(cart["discount"]["amountMinor"], 300, "{cart:#}");
    }

    let results = futures::future::join_all(customers.iter().zip(&carts).map(|(who, cart)| {
        let vars = json!({ "c": cart["id"], "t": "tok_ok", "k": "race", "e": total_of(cart) });
        call(&shop, &url, Some(who), CHECKOUT, vars)
    }))
    .await;
    let placed: Vec<&Value> = results
        .iter()
        .filter(|r| r["outcome"] == "PLACED")
        .collect();
    let changed: Vec<&Value> = results
        .iter()
        .filter(|r| r["outcome"] == "PRICE_CHANGED")
        .collect();
    assert_eq!((placed.len(), changed.len()), (5, 45), "{results:#?}");
    for lost in &changed {
        assert_eq!(lost["cart"]["discountProblem"], "the code has been used up");
        assert_eq!(
            lost["cart"]["total"]["amountMinor"],
            total_of(&carts[0]) + 300
        );
    }
    assert_eq!(code_uses(&shop, &url, "FIVE").await, 5);
    for (who, result) in customers.iter().zip(&results) {
        if result["outcome"] != "PLACED" {
            continue;
        }
        let id: Uuid = result["orderId"].as_str().unwrap().parse().unwrap();
        let order = call(&shop, &url, Some(who), ORDER, json!({ "id": id })).await;
        assert_eq!(order["discount"]["amountMinor"], 300, "{order:#}");
        assert_eq!(order["discountCode"], "FIVE");
    }
    let _ = router.stop().await;
    shop.stop().await;
}

/// Orders is down when the customer checks out: the checkout is accepted (checkout's
/// outbox holds it), and the order is made and confirmed once orders is back, with
/// nothing lost and nothing charged twice.
#[tokio::test(flavor = "multi_thread")]
async fn a_checkout_while_orders_is_down_becomes_an_order_when_it_is_back() {
    let shop = Shop::start("checkoutdown").await;
    let router = shop.router().await;
    let url = router.graphql_url();
    let mug = shop.product(1299, 400, 3).await;
    let ada = shop.customer();
    let cart = filled_cart(&shop, &url, &ada, &[(mug, 1)], None).await;
    let orders_url = shop.orders_url.clone();
    let client = reqwest::Client::new();

    let restart = shop.restart(ServiceName::Orders, Duration::from_secs(3));
    let checkout = async {
        testkit::eventually("orders to be down", SAGA_TIMEOUT, || async {
            client.get(&orders_url).send().await.is_err().then_some(())
        })
        .await;
        // Only checkout's own fields: the order itself is orders' to show.
        let query = "mutation($c: ID!, $e: Int!) { checkoutComplete(cartId: $c, \
            paymentToken: \"tok_ok\", idempotencyKey: \"down\", expectedTotal: $e) { outcome orderId } }";
        let vars = json!({ "c": cart["id"], "e": total_of(&cart) });
        call(&shop, &url, Some(&ada), query, vars).await
    };
    let ((), placed) = tokio::join!(restart, checkout);
    assert_eq!(placed["outcome"], "PLACED", "{placed:#}");
    let order_id: Uuid = placed["orderId"].as_str().unwrap().parse().unwrap();

    let order = shop.wait_for_status(&ada, order_id, "CONFIRMED").await;
    assert_eq!(order["total"]["amountMinor"], total_of(&cart), "{order:#}");
    let payment = shop.wait_for_payment(&ada, order_id, "AUTHORIZED").await;
    assert_eq!(payment["amount"]["amountMinor"], total_of(&cart));
    let _ = router.stop().await;
    shop.stop().await;
}
