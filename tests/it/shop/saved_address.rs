//! Placing an order to one of the customer's saved addresses: orders asks the
//! users service (with the customer's own token) at placement and copies the
//! address into the order.

use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use mart_orders::upstream::CallPolicy;
use mart_service::ServiceName;
use serde_json::json;

use super::placement::count;
use super::support::{Shop, ShopOptions, error_code, order_input};

const ORDER_ADDRESS: &str = "query($id: ID!) { order(id: $id) { shippingAddress { name line1 line2 city postalCode country } shippingCost { amountMinor currency } } }";

fn paris() -> serde_json::Value {
    json!({
        "name": "Ada Lovelace",
        "line1": "12 Rue des Machines",
        "line2": "Bâtiment B",
        "city": "Paris",
        "postalCode": "75001",
        "country": "FR"
    })
}

/// A placeOrder input for `lines` shipped to the saved address `address_id`.
fn saved_input(lines: &[(uuid::Uuid, i32)], address_id: &str, key: &str) -> serde_json::Value {
    let mut input = order_input(lines, "tok_ok", key);
    let fields = input.as_object_mut().unwrap();
    fields.remove("address");
    fields.insert("shippingAddressId".into(), json!(address_id));
    input
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_address_is_copied_into_the_order_as_it_was_at_placement() {
    let shop = Shop::start("savedaddr").await;
    let mug = shop.product(1299, 400, 5).await;
    let ada = shop.account("Ada").await;
    let saved = shop.save_address(&ada, paris()).await;

    let order = shop
        .place_ok(&ada, saved_input(&[(mug, 1)], &saved, "saved-1"))
        .await;
    let body = shop
        .gql(
            &shop.orders_url,
            Some(&ada),
            ORDER_ADDRESS,
            json!({ "id": order }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(body["data"]["order"]["shippingAddress"], paris());
    // Shipping was priced for the saved address's country, as for a typed one.
    let typed = {
        let mut input = order_input(&[(mug, 1)], "tok_ok", "typed-1");
        input["address"] = paris();
        shop.place_ok(&ada, input).await
    };
    let typed = shop
        .gql(
            &shop.orders_url,
            Some(&ada),
            ORDER_ADDRESS,
            json!({ "id": typed }),
        )
        .await;
    assert_eq!(
        body["data"]["order"]["shippingCost"],
        typed["data"]["order"]["shippingCost"]
    );
    // The event that drives the saga (and the shipment) carries it too.
    let mut conn = shop.orders_db.conn().await.unwrap();
    #[derive(QueryableByName)]
    struct Address {
        #[diesel(sql_type = diesel::sql_types::Jsonb)]
        address: serde_json::Value,
    }
    let placed: Vec<Address> = diesel::sql_query(
        "SELECT envelope->'payload'->'shippingAddress' AS address FROM outbox_events \
         WHERE envelope->>'type' = 'order.placed' AND message_key = $1",
    )
    .bind::<diesel::sql_types::Text, _>(order.to_string())
    .load(&mut conn)
    .await
    .unwrap();
    drop(conn);
    assert_eq!(placed.len(), 1);
    assert_eq!(placed[0].address, paris());

    // Removing the address from the account leaves the order as it was…
    let removed = shop
        .gql(
            &shop.users_url,
            Some(&ada),
            "mutation($id: ID!) { removeAddress(id: $id) { id } }",
            json!({ "id": saved }),
        )
        .await;
    assert!(removed.get("errors").is_none(), "{removed:#}");
    let after = shop
        .gql(
            &shop.orders_url,
            Some(&ada),
            ORDER_ADDRESS,
            json!({ "id": order }),
        )
        .await;
    assert_eq!(after["data"]["order"]["shippingAddress"], paris());
    // …and it can no longer be shipped to.
    let body = shop
        .place(&ada, saved_input(&[(mug, 1)], &saved, "saved-2"))
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "shippingAddressId"
    );
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn another_customers_address_is_refused_like_an_unknown_one_and_nothing_is_written() {
    let shop = Shop::start("othersaddr").await;
    let mug = shop.product(1299, 400, 5).await;
    let ada = shop.account("Ada").await;
    let adas = shop.save_address(&ada, paris()).await;
    let eve = shop.account("Eve").await;
    shop.save_address(&eve, paris()).await;

    let theirs = shop
        .place(&eve, saved_input(&[(mug, 1)], &adas, "e1"))
        .await;
    let unknown = uuid::Uuid::now_v7().to_string();
    let nobody = shop
        .place(&eve, saved_input(&[(mug, 1)], &unknown, "e2"))
        .await;
    for body in [&theirs, &nobody] {
        assert_eq!(error_code(body), "BAD_USER_INPUT", "{body:#}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"],
            "shippingAddressId"
        );
    }
    // Nothing tells whether the id exists, let alone what it holds.
    assert_eq!(theirs["errors"], nobody["errors"]);
    let text = theirs.to_string();
    assert!(
        !text.contains("Paris") && !text.contains("Machines"),
        "{text}"
    );
    // A customer without an account in users has no saved addresses either.
    let stranger = shop.customer();
    let body = shop
        .place(&stranger, saved_input(&[(mug, 1)], &adas, "s1"))
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");

    let mut both = saved_input(&[(mug, 1)], &adas, "e3");
    both["address"] = paris();
    let mut neither = saved_input(&[(mug, 1)], &adas, "e4");
    neither.as_object_mut().unwrap().remove("shippingAddressId");
    let not_an_id = saved_input(&[(mug, 1)], "not-an-id", "e5");
    for (what, input) in [
        ("both", both),
        ("neither", neither),
        ("not an id", not_an_id),
    ] {
        let body = shop.place(&ada, input).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{what}: {body:#}");
    }

    assert_eq!(
        count(&shop.orders_db, "SELECT count(*) AS n FROM orders").await,
        0
    );
    assert_eq!(
        count(&shop.orders_db, "SELECT count(*) AS n FROM outbox_events").await,
        0
    );
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn users_down_answers_service_unavailable_within_the_timeout_and_writes_nothing() {
    let policy = CallPolicy {
        attempt_timeout: Duration::from_millis(300),
        max_attempts: 3,
        backoff: Duration::from_millis(20),
        deadline: Duration::from_millis(800),
        ..CallPolicy::default()
    };
    let options = ShopOptions {
        orders: mart_orders::OrdersSettings {
            users: policy,
            ..Default::default()
        },
        ..Default::default()
    };
    let shop = Shop::start_with("usersdown", options).await;
    let mug = shop.product(1299, 400, 5).await;
    let ada = shop.account("Ada").await;
    let saved = shop.save_address(&ada, paris()).await;
    shop.place_ok(&ada, saved_input(&[(mug, 1)], &saved, "up-1"))
        .await;

    shop.stop_service(ServiceName::Users).await;
    let started = Instant::now();
    let body = shop
        .place(&ada, saved_input(&[(mug, 1)], &saved, "down-1"))
        .await;
    let took = started.elapsed();
    assert_eq!(error_code(&body), "SERVICE_UNAVAILABLE", "{body:#}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("users"), "{message}");
    // The call's deadline, plus the rest of the request on a loaded machine.
    assert!(took < Duration::from_millis(2000), "took {took:?}");
    // Only saved addresses need users: a typed one is still accepted.
    shop.place_ok(&ada, order_input(&[(mug, 1)], "tok_ok", "down-typed"))
        .await;

    assert_eq!(
        count(
            &shop.orders_db,
            "SELECT count(*) AS n FROM orders WHERE idempotency_key = 'down-1'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &shop.orders_db,
            "SELECT count(*) AS n FROM outbox_events WHERE envelope->>'type' = 'order.placed'"
        )
        .await,
        2
    );
    shop.stop().await;
}
