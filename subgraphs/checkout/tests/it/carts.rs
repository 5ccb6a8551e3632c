//! Carts as a shop's pages use them: a guest fills one, a customer keeps one, signing
//! in merges them, untouched ones expire.

use mart_auth::Role;
use mart_service::ServiceName;
use mart_service::upstream::{
    CallPolicy, GraphqlClient, ProductsClient, ShippingClient, UsersClient,
};
use serde_json::{Value, json};

use crate::support::{SHORT, Shop, add, create_cart, lines, read, set};

fn id(cart: &Value) -> String {
    cart["id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_fills_a_cart_at_live_prices() {
    let shop = Shop::start("checkout_guest").await;
    let (mug, pen) = (
        shop.product("MUG", 1250).await,
        shop.product("PEN", 399).await,
    );
    let cart = shop.ok(None, &create_cart(), json!({})).await;
    assert_eq!(cart["hasOwner"], false);
    assert_eq!(cart["itemCount"], 0);
    assert_eq!(cart["subtotal"], Value::Null);
    let cart_id = id(&cart);
    // Ids are random, not time-ordered: the id is the guest's only key.
    assert_eq!(
        uuid::Uuid::parse_str(&cart_id).unwrap().get_version_num(),
        4
    );

    let (q, v) = add(&cart_id, &mug, 2);
    shop.ok(None, &q, v).await;
    let (q, v) = add(&cart_id, &pen, 1);
    shop.ok(None, &q, v).await;
    let (q, v) = add(&cart_id, &mug, 3);
    let cart = shop.ok(None, &q, v).await;
    assert_eq!(lines(&cart), [(mug.clone(), 5), (pen.clone(), 1)]);
    assert_eq!(
        cart["subtotal"],
        json!({ "amountMinor": 5 * 1250 + 399, "currency": "EUR" })
    );
    assert_eq!(cart["itemCount"], 6);
    assert_eq!(cart["lines"][0]["lineTotal"]["amountMinor"], 6250);

    // Prices are today's: staff changes one, the cart shows it.
    shop.staff(
        "mutation($id: ID!) { updateProduct(id: $id, input: { price: { amountMinor: 450, currency: \"EUR\" } }) { id } }",
        json!({ "id": pen }),
    )
    .await;
    let (q, v) = read(&cart_id);
    let cart = shop.ok(None, &q, v).await;
    assert_eq!(cart["subtotal"]["amountMinor"], 5 * 1250 + 450);

    // A product taken off sale stays in the cart, unpriced, counting for nothing.
    shop.staff(
        "mutation($id: ID!) { archiveProduct(id: $id) { id } }",
        json!({ "id": pen }),
    )
    .await;
    let (q, v) = read(&cart_id);
    let cart = shop.ok(None, &q, v).await;
    assert_eq!(cart["lines"][1]["available"], false);
    assert_eq!(cart["lines"][1]["unitPrice"], Value::Null);
    assert_eq!(cart["subtotal"]["amountMinor"], 5 * 1250);
    assert_eq!(cart["itemCount"], 5);

    let (q, v) = set(&cart_id, &pen, 0);
    let cart = shop.ok(None, &q, v).await;
    assert_eq!(lines(&cart), [(mug.clone(), 5)]);
    let (q, v) = set(&cart_id, &mug, 1);
    let cart = shop.ok(None, &q, v).await;
    assert_eq!(lines(&cart), [(mug.clone(), 1)]);

    // Bad input names its field; an archived or unknown product cannot be added.
    for ((q, v), field) in [
        (add(&cart_id, &mug, 0), "quantity"),
        (add(&cart_id, &mug, 100), "quantity"),
        (add(&cart_id, &pen, 1), "productId"),
        (
            add(&cart_id, &uuid::Uuid::now_v7().to_string(), 1),
            "productId",
        ),
        (set(&cart_id, &pen, 2), "productId"),
        (set(&cart_id, &mug, -1), "quantity"),
        (add("not-an-id", &mug, 1), "cartId"),
    ] {
        let (code, got) = shop.error(None, &q, v.clone()).await;
        assert_eq!(
            (code.as_str(), got.as_deref()),
            ("BAD_USER_INPUT", Some(field)),
            "{q} {v}"
        );
    }
    let (q, v) = read(&uuid::Uuid::new_v4().to_string());
    assert_eq!(shop.error(None, &q, v).await.0, "NOT_FOUND");
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customers_cart_is_theirs_alone() {
    let shop = Shop::start("checkout_customer").await;
    let mug = shop.product("MUG", 1250).await;
    let alice = shop.auth.token(Role::Customer);
    let bob = shop.auth.token(Role::Customer);

    let cart = shop.ok(Some(&alice), &create_cart(), json!({})).await;
    assert_eq!(cart["hasOwner"], true);
    let cart_id = id(&cart);
    let again = shop.ok(Some(&alice), &create_cart(), json!({})).await;
    assert_eq!(id(&again), cart_id, "a customer has one cart");
    let (q, v) = add(&cart_id, &mug, 1);
    shop.ok(Some(&alice), &q, v).await;

    let mine = shop
        .ok(Some(&alice), "{ myCart { id itemCount } }", json!({}))
        .await;
    assert_eq!(mine, json!({ "id": cart_id, "itemCount": 1 }));
    // Knowing the id is not enough for someone else's cart.
    for token in [Some(bob.as_str()), None] {
        let (q, v) = read(&cart_id);
        assert_eq!(shop.error(token, &q, v).await.0, "NOT_FOUND");
        let (q, v) = add(&cart_id, &mug, 1);
        assert_eq!(shop.error(token, &q, v).await.0, "NOT_FOUND");
    }
    assert_eq!(
        shop.ok(Some(&bob), "{ myCart { id } }", json!({})).await,
        Value::Null
    );
    assert_eq!(
        shop.error(None, "{ myCart { id } }", json!({})).await.0,
        "UNAUTHENTICATED"
    );
    shop.stop().await;
}

const MERGE: &str = "mutation($g: ID!) { mergeCart(guestCartId: $g) { id hasOwner \
    lines { product { id } quantity } } }";

#[tokio::test(flavor = "multi_thread")]
async fn signing_in_merges_the_guest_cart_into_the_customers() {
    let shop = Shop::start("checkout_merge").await;
    let (mug, pen) = (
        shop.product("MUG", 1250).await,
        shop.product("PEN", 399).await,
    );
    let alice = shop.auth.token(Role::Customer);

    let guest = id(&shop.ok(None, &create_cart(), json!({})).await);
    for (product, quantity) in [(&mug, 2), (&pen, 1)] {
        let (q, v) = add(&guest, product, quantity);
        shop.ok(None, &q, v).await;
    }
    let own = id(&shop.ok(Some(&alice), &create_cart(), json!({})).await);
    let (q, v) = add(&own, &mug, 99);
    shop.ok(Some(&alice), &q, v).await;

    assert_eq!(
        shop.error(None, MERGE, json!({ "g": guest })).await.0,
        "UNAUTHENTICATED"
    );
    let merged = shop.ok(Some(&alice), MERGE, json!({ "g": guest })).await;
    assert_eq!(id(&merged), own);
    // Quantities add up, to 100 of a product at most.
    assert_eq!(lines(&merged), [(mug.clone(), 100), (pen.clone(), 1)]);
    // The guest cart is gone; merging it again is harmless for nobody.
    let (q, v) = read(&guest);
    assert_eq!(shop.error(None, &q, v).await.0, "NOT_FOUND");
    assert_eq!(
        shop.error(Some(&alice), MERGE, json!({ "g": guest }))
            .await
            .0,
        "NOT_FOUND"
    );

    // A customer without a cart keeps the guest's as it is.
    let bob = shop.auth.token(Role::Customer);
    let guest = id(&shop.ok(None, &create_cart(), json!({})).await);
    let (q, v) = add(&guest, &pen, 3);
    shop.ok(None, &q, v).await;
    let adopted = shop.ok(Some(&bob), MERGE, json!({ "g": guest })).await;
    assert_eq!(id(&adopted), guest);
    assert_eq!(adopted["hasOwner"], true);
    assert_eq!(lines(&adopted), [(pen.clone(), 3)]);
    let (q, v) = read(&guest);
    assert_eq!(
        shop.error(None, &q, v).await.0,
        "NOT_FOUND",
        "now bob's alone"
    );
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn untouched_carts_expire_and_are_deleted() {
    let shop = Shop::start_with("checkout_expiry", |c| {
        c.cart_ttl = std::time::Duration::from_secs(2)
    })
    .await;
    let mug = shop.product("MUG", 1250).await;
    let cart = id(&shop.ok(None, &create_cart(), json!({})).await);
    let (q, v) = add(&cart, &mug, 1);
    let before = shop.ok(None, &q, v).await;
    assert_eq!(lines(&before).len(), 1);
    let (q, v) = read(&cart);
    mart_service::testkit::eventually("the cart to expire", SHORT, || {
        let (q, v) = (q.clone(), v.clone());
        let shop = &shop;
        async move {
            let body = shop.gql(None, &q, v).await;
            (body["errors"][0]["extensions"]["code"] == "NOT_FOUND").then_some(())
        }
    })
    .await;

    // The sweep deletes it, lines and all.
    let db = mart_service::Database::open(
        &shop.checkout.config,
        mart_service::ServiceName::Checkout,
        &[&mart_events::MIGRATIONS, &mart_checkout::MIGRATIONS],
    )
    .await
    .unwrap();
    let config = &shop.checkout.config;
    let client = |service| GraphqlClient::to(config, service, CallPolicy::default());
    let services = mart_checkout::Services {
        products: ProductsClient(client(ServiceName::Products)),
        shipping: ShippingClient(client(ServiceName::Shipping)),
        inventory: mart_checkout::stock::InventoryClient(client(ServiceName::Inventory)),
        users: UsersClient(client(ServiceName::Users)),
        orders: mart_checkout::orders::OrdersClient(client(ServiceName::Orders)),
        outbox: mart_events::OutboxSignal::new(),
        seal: mart_service::payment_token::TokenSeal::load(config).unwrap(),
    };
    let carts = mart_checkout::Carts::new(db, services, mart_checkout::CartSettings::default());
    assert_eq!(carts.sweep().await.unwrap(), 1);
    assert_eq!(carts.sweep().await.unwrap(), 0);
    shop.stop().await;
}

const SET_RATE: &str = "mutation($country: String!, $category: ID, $bp: Int!) { \
    setTaxRate(country: $country, categoryId: $category, basisPoints: $bp) { country categoryId basisPoints } }";
const SET_ADDRESS: &str = "mutation($c: ID!, $country: String!) { setCartAddress(cartId: $c, address: { \
    name: \"Ada\", line1: \"1 Dam\", city: \"Amsterdam\", postalCode: \"1012 JS\", country: $country }) { \
    subtotal { amountMinor } tax { amountMinor } shipping { amountMinor currency } total { amountMinor } \
    shippingAddress { city country } lines { tax { amountMinor } } } }";

#[tokio::test(flavor = "multi_thread")]
async fn an_address_adds_tax_per_line_and_shipping_to_the_total() {
    let shop = Shop::start("checkout_tax").await;
    let admin = shop.admin().to_string();
    let books = shop
        .products
        .gql_as(
            Some(&admin),
            "mutation { createCategory(input: { name: \"Books\" }) { id } }",
            json!({}),
        )
        .await["data"]["createCategory"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let book = shop.product_in("BOOK", 1999, Some(&books)).await;
    let mug = shop.product("MUG", 1000).await;
    for (category, bp) in [(None, 2100), (Some(books.as_str()), 900)] {
        let rate = shop
            .ok(
                Some(&admin),
                SET_RATE,
                json!({ "country": "nl", "category": category, "bp": bp }),
            )
            .await;
        assert_eq!(rate["country"], "NL");
    }

    let cart = id(&shop.ok(None, &create_cart(), json!({})).await);
    for (product, quantity) in [(&book, 1), (&mug, 3)] {
        let (q, v) = add(&cart, product, quantity);
        let added = shop.ok(None, &q, v).await;
        assert_eq!(added["lines"][0]["product"]["id"], book.as_str());
    }
    let (q, v) = read(&cart);
    let before = shop
        .ok(
            None,
            &q.replace(
                "itemCount",
                "itemCount tax { amountMinor } total { amountMinor }",
            ),
            v,
        )
        .await;
    assert_eq!(before["tax"], Value::Null, "no address, no tax yet");
    assert_eq!(before["total"]["amountMinor"], 4999);

    let sent = shop
        .ok(None, SET_ADDRESS, json!({ "c": cart, "country": "NL" }))
        .await;
    assert_eq!(
        sent["shippingAddress"],
        json!({ "city": "Amsterdam", "country": "NL" })
    );
    // Per line, half away from zero: 1999 × 9 % = 179.91 → 180; 3 × 1000 × 21 % = 630.
    assert_eq!(sent["lines"][0]["tax"]["amountMinor"], 180);
    assert_eq!(sent["lines"][1]["tax"]["amountMinor"], 630);
    assert_eq!(sent["tax"]["amountMinor"], 810);
    // Shipping is the shipping service's rate for the cart's 400 g.
    let rate = shop
        .shipping
        .gql_as(
            None,
            "{ shippingQuote(country: \"NL\", weightGrams: 400, currency: \"EUR\") { amountMinor currency } }",
            json!({}),
        )
        .await["data"]["shippingQuote"]
        .clone();
    assert!(rate.is_object(), "the rate table ships to NL: {rate}");
    assert_eq!(sent["shipping"], rate);
    let shipping = rate["amountMinor"].as_i64().unwrap();
    assert_eq!(sent["total"]["amountMinor"], 4999 + 810 + shipping);

    // A country where no rate is kept: no tax.
    let untaxed = shop
        .ok(None, SET_ADDRESS, json!({ "c": cart, "country": "DE" }))
        .await;
    assert_eq!(untaxed["tax"]["amountMinor"], 0);

    // Staff only, and bounded.
    let customer = shop.auth.token(Role::Customer);
    let vars = json!({ "country": "NL", "bp": 2100 });
    assert_eq!(
        shop.error(Some(&customer), SET_RATE, vars).await.0,
        "FORBIDDEN"
    );
    for (vars, field) in [
        (json!({ "country": "XX", "bp": 2100 }), "country"),
        (json!({ "country": "NL", "bp": 10_001 }), "basisPoints"),
    ] {
        let (code, got) = shop.error(Some(&admin), SET_RATE, vars).await;
        assert_eq!(
            (code.as_str(), got.as_deref()),
            ("BAD_USER_INPUT", Some(field))
        );
    }
    let (code, field) = shop
        .error(None, SET_ADDRESS, json!({ "c": cart, "country": "Narnia" }))
        .await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("address.country"))
    );
    shop.stop().await;
}
