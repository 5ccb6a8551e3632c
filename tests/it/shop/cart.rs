//! A cart through the router: checkout holds the lines, products names and prices them,
//! inventory tells the stock; a guest's cart joins the customer's at sign-in.

use serde_json::{Value, json};

use super::support::Shop;

const CART: &str = "id itemCount subtotal { amountMinor currency } \
    lines { quantity inStock lineTotal { amountMinor } product { id name price { amountMinor } stock { available } } }";

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_cart_is_filled_and_merged_at_sign_in_through_the_router() {
    let shop = Shop::start("cart").await;
    let router = shop.router().await;
    let url = router.graphql_url();
    let (mug, pen) = (
        shop.product(1299, 400, 7).await,
        shop.product(350, 20, 0).await,
    );
    let call = async |who: Option<&super::support::Customer>, query: &str, variables: Value| {
        shop.data(&url, who, query, variables).await
    };

    let guest = call(
        None,
        &format!("mutation {{ createCart {{ {CART} }} }}"),
        json!({}),
    )
    .await;
    let guest_id = guest["id"].as_str().unwrap().to_string();
    let add = format!(
        "mutation($c: ID!, $p: ID!, $q: Int!) {{ addToCart(cartId: $c, productId: $p, quantity: $q) {{ {CART} }} }}"
    );
    call(None, &add, json!({ "c": guest_id, "p": mug, "q": 2 })).await;
    let cart = call(None, &add, json!({ "c": guest_id, "p": pen, "q": 1 })).await;
    assert_eq!(
        cart["subtotal"],
        json!({ "amountMinor": 2 * 1299 + 350, "currency": "EUR" })
    );
    // One query, three subgraphs: the line from checkout, the product from products,
    // its stock from inventory.
    let line = &cart["lines"][0];
    assert_eq!(line["quantity"], 2);
    assert_eq!(line["lineTotal"]["amountMinor"], 2 * 1299);
    assert_eq!(line["product"]["id"], mug.to_string());
    assert_eq!(line["product"]["price"]["amountMinor"], 1299);
    assert_eq!(line["product"]["stock"]["available"], 7);
    assert_eq!(cart["lines"][1]["product"]["stock"]["available"], 0);
    // Checkout asks inventory itself whether the stock covers each line.
    assert_eq!(line["inStock"], true);
    assert_eq!(cart["lines"][1]["inStock"], false);

    let ada = shop.customer();
    let merged = call(
        Some(&ada),
        &format!("mutation($g: ID!) {{ mergeCart(guestCartId: $g) {{ {CART} }} }}"),
        json!({ "g": guest_id }),
    )
    .await;
    assert_eq!(merged["itemCount"], 3);
    let mine = call(Some(&ada), "{ myCart { id itemCount } }", json!({})).await;
    assert_eq!(mine, json!({ "id": guest_id, "itemCount": 3 }));
    let body = shop
        .gql(
            &url,
            None,
            "query($c: ID!) { cart(id: $c) { id } }",
            json!({ "c": guest_id }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{body}"
    );
    let _ = router.stop().await;
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customers_saved_address_sends_the_cart_there() {
    let shop = Shop::start("cartaddr").await;
    let router = shop.router().await;
    let url = router.graphql_url();
    let mug = shop.product(1299, 400, 5).await;
    let ada = shop.account("Ada").await;
    let saved = shop
        .save_address(
            &ada,
            json!({ "name": "Ada Lovelace", "line1": "12 Rue des Machines", "city": "Paris",
                    "postalCode": "75001", "country": "FR" }),
        )
        .await;
    let send = "mutation($c: ID!, $a: ID!) { setCartAddress(cartId: $c, savedAddressId: $a) { \
        shippingAddress { city country } shipping { amountMinor currency } } }";

    let body = shop
        .gql(
            &url,
            Some(&ada),
            "mutation { createCart { id } }",
            json!({}),
        )
        .await;
    let cart = body["data"]["createCart"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let add =
        "mutation($c: ID!, $p: ID!) { addToCart(cartId: $c, productId: $p, quantity: 1) { id } }";
    let body = shop
        .gql(&url, Some(&ada), add, json!({ "c": cart, "p": mug }))
        .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let body = shop
        .gql(&url, Some(&ada), send, json!({ "c": cart, "a": saved }))
        .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let sent = &body["data"]["setCartAddress"];
    assert_eq!(
        sent["shippingAddress"],
        json!({ "city": "Paris", "country": "FR" })
    );
    assert!(
        sent["shipping"]["amountMinor"].as_i64().unwrap() > 0,
        "{sent}"
    );

    // Someone else's saved address is not found for this customer.
    let bob = shop.account("Bob").await;
    let body = shop
        .gql(
            &url,
            Some(&bob),
            "mutation { createCart { id } }",
            json!({}),
        )
        .await;
    let bobs = body["data"]["createCart"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let body = shop
        .gql(&url, Some(&bob), send, json!({ "c": bobs, "a": saved }))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "savedAddressId",
        "{body:#}"
    );
    let _ = router.stop().await;
    shop.stop().await;
}
