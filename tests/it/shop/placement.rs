//! Placing orders: validation, price snapshots, idempotency, and what happens
//! when a dependency is down.

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use mart_orders::upstream::CallPolicy;
use mart_service::{ServiceName, testkit};
use serde_json::{Value, json};

use super::support::{Shop, error_code, issuer, open, order_input};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

pub async fn count(db: &mart_service::Database, sql: &str) -> i64 {
    let mut conn = db.conn().await.unwrap();
    let rows: Vec<Count> = diesel::sql_query(sql).load(&mut conn).await.unwrap();
    rows[0].n
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_snapshots_prices_and_shipping() {
    let shop = Shop::start("snapshot").await;
    let mug = shop.product(1299, 400, 5).await;
    let lamp = shop.product(4500, 1200, 5).await;
    let ada = shop.customer();
    let body = shop
        .place(
            &ada,
            order_input(&[(mug, 2), (lamp, 1)], "tok_ok", "snap-1"),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let order = &body["data"]["placeOrder"];
    assert_eq!(order["status"], "PENDING");
    let number = |order: &Value| -> i64 {
        let text = order["number"].as_str().unwrap_or_default();
        let digits = text
            .strip_prefix("M-")
            .unwrap_or_else(|| panic!("number {text:?}"));
        digits.parse().unwrap_or_else(|_| panic!("number {text:?}"))
    };
    let first = number(order);
    assert_eq!(
        order["subtotal"],
        json!({ "amountMinor": 2 * 1299 + 4500, "currency": "EUR" })
    );
    // 2 kg to Germany: the rate table's first band.
    assert_eq!(
        order["shippingCost"],
        json!({ "amountMinor": 490, "currency": "EUR" })
    );
    assert_eq!(order["total"]["amountMinor"], 2 * 1299 + 4500 + 490);
    assert_eq!(order["lines"][0]["lineTotal"]["amountMinor"], 2 * 1299);
    assert_eq!(order["lines"][0]["product"]["id"], mug.to_string());

    // The order is listed on the customer's User entity, and only for them.
    let list = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { orders(first: 5) { edges { node { id total { amountMinor } } } pageInfo { hasNextPage } } } } }";
    let me = json!({ "r": [{ "__typename": "User", "id": ada.id }] });
    let body = shop
        .gql(&shop.orders_url, Some(&ada), list, me.clone())
        .await;
    let edges = &body["data"]["_entities"][0]["orders"]["edges"];
    assert_eq!(edges.as_array().map(Vec::len), Some(1), "{body:#}");
    assert_eq!(edges[0]["node"]["id"], order["id"]);
    let eve = shop.customer();
    let body = shop.gql(&shop.orders_url, Some(&eve), list, me).await;
    assert_eq!(error_code(&body), "FORBIDDEN");

    // A retry is answered with the order and takes no number: the next order gets the
    // next one.
    let again = shop
        .place(
            &ada,
            order_input(&[(mug, 2), (lamp, 1)], "tok_ok", "snap-1"),
        )
        .await;
    assert_eq!(again["data"]["placeOrder"]["id"], order["id"], "{again:#}");
    assert_eq!(number(&again["data"]["placeOrder"]), first);
    let next = shop
        .place(&ada, order_input(&[(mug, 1)], "tok_ok", "snap-2"))
        .await;
    assert_eq!(number(&next["data"]["placeOrder"]), first + 1, "{next:#}");
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_orders_are_refused_with_bad_user_input_and_nothing_is_written() {
    let shop = Shop::start("badinput").await;
    let mug = shop.product(1299, 400, 5).await;
    let retired = shop.product(999, 100, 5).await;
    shop.archive(retired).await;
    let unknown = uuid::Uuid::now_v7();
    let ada = shop.customer();
    let cases = [
        ("empty", order_input(&[], "tok_ok", "b1")),
        ("zero", order_input(&[(mug, 0)], "tok_ok", "b2")),
        ("too many", order_input(&[(mug, 101)], "tok_ok", "b3")),
        ("negative", order_input(&[(mug, -2)], "tok_ok", "b4")),
        (
            "unknown product",
            order_input(&[(unknown, 1)], "tok_ok", "b5"),
        ),
        (
            "archived product",
            order_input(&[(retired, 1)], "tok_ok", "b6"),
        ),
    ];
    for (what, input) in cases {
        let body = shop.place(&ada, input).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{what}: {body:#}");
    }
    let mut no_address = order_input(&[(mug, 1)], "tok_ok", "b7");
    no_address["address"]["country"] = json!("Germany");
    assert_eq!(
        error_code(&shop.place(&ada, no_address).await),
        "BAD_USER_INPUT"
    );

    let anonymous = shop
        .gql(
            &shop.orders_url,
            None,
            super::support::PLACE_ORDER,
            json!({ "input": order_input(&[(mug, 1)], "tok_ok", "b8") }),
        )
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");

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
async fn one_idempotency_key_sent_ten_times_at_once_makes_one_order() {
    let shop = Arc::new(Shop::start("idempotent").await);
    let mug = shop.product(1299, 400, 50).await;
    let ada = Arc::new(shop.customer());
    let attempts = (0..10).map(|_| {
        let (shop, ada) = (shop.clone(), ada.clone());
        tokio::spawn(async move {
            shop.place_ok(&ada, order_input(&[(mug, 1)], "tok_ok", "same-key"))
                .await
        })
    });
    let ids: Vec<_> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(
        count(&shop.orders_db, "SELECT count(*) AS n FROM orders").await,
        1
    );
    let placed = count(
        &shop.orders_db,
        "SELECT count(*) AS n FROM outbox_events WHERE envelope->>'type' = 'order.placed'",
    )
    .await;
    assert_eq!(placed, 1);
    // The attempts that lost wrote nothing of their own: one line, one first status, the
    // order's two events.
    for (table, rows) in [
        ("order_lines", 1),
        ("order_status_history", 1),
        ("outbox_events", 2),
    ] {
        let sql = format!("SELECT count(*) AS n FROM {table}");
        assert_eq!(count(&shop.orders_db, &sql).await, rows, "{table}");
    }

    // Another user may use the same key for an order of their own.
    let bob = shop.customer();
    let bobs = shop
        .place_ok(&bob, order_input(&[(mug, 1)], "tok_ok", "same-key"))
        .await;
    assert_ne!(bobs, ids[0]);
    Arc::into_inner(shop).unwrap().stop().await;
}

/// Issue 16: a key sent again with another request used to answer with the
/// first order as if the new one had been placed.
#[tokio::test(flavor = "multi_thread")]
async fn an_idempotency_key_sent_again_with_another_request_is_a_conflict() {
    let shop = Arc::new(Shop::start("idem_conflict").await);
    let mug = shop.product(1299, 400, 50).await;
    let lamp = shop.product(4500, 1200, 50).await;
    let ada = Arc::new(shop.customer());
    let first = shop
        .place_ok(&ada, order_input(&[(mug, 1)], "tok_ok", "k-1"))
        .await;

    // The same request again, spelled differently: a retry, the first order.
    let mut same = order_input(&[(mug, 1)], "tok_ok", "k-1");
    same["address"]["country"] = json!(" de ");
    same["address"]["city"] = json!("Berlin ");
    assert_eq!(shop.place_ok(&ada, same).await, first);

    let mut elsewhere = order_input(&[(mug, 1)], "tok_ok", "k-1");
    elsewhere["address"]["line1"] = json!("2 Analytical Way");
    let others = [
        ("more of it", order_input(&[(mug, 2)], "tok_ok", "k-1")),
        (
            "another product",
            order_input(&[(lamp, 1)], "tok_ok", "k-1"),
        ),
        (
            "one more product",
            order_input(&[(mug, 1), (lamp, 1)], "tok_ok", "k-1"),
        ),
        (
            "another card",
            order_input(&[(mug, 1)], "tok_declined", "k-1"),
        ),
        ("another address", elsewhere),
    ];
    for (what, input) in others {
        let body = shop.place(&ada, input).await;
        assert_eq!(error_code(&body), "CONFLICT", "{what}: {body:#}");
        assert!(body["data"].is_null(), "{what}: {body:#}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("idempotencyKey"), "{message}");
    }

    // Different requests racing under one fresh key: one order, the others
    // refused (whether they lose before or at the insert).
    let attempts = (1..=6).map(|quantity| {
        let (shop, ada) = (shop.clone(), ada.clone());
        tokio::spawn(async move {
            let body = shop
                .place(&ada, order_input(&[(mug, quantity)], "tok_ok", "k-2"))
                .await;
            match body.get("errors") {
                None => "placed".to_string(),
                Some(_) => error_code(&body),
            }
        })
    });
    let mut outcomes: Vec<String> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    outcomes.sort();
    assert_eq!(
        outcomes,
        [
            "CONFLICT", "CONFLICT", "CONFLICT", "CONFLICT", "CONFLICT", "placed"
        ]
    );

    assert_eq!(
        count(&shop.orders_db, "SELECT count(*) AS n FROM orders").await,
        2
    );
    let placed = count(
        &shop.orders_db,
        "SELECT count(*) AS n FROM outbox_events WHERE envelope->>'type' = 'order.placed'",
    )
    .await;
    assert_eq!(placed, 2);
    // The first order still answers its retry.
    let again = shop
        .place_ok(&ada, order_input(&[(mug, 1)], "tok_ok", "k-1"))
        .await;
    assert_eq!(again, first);
    // And still once its product is withdrawn, where a new order is refused; another
    // request under its key is still a conflict.
    shop.archive(mug).await;
    let withdrawn = shop
        .place(&ada, order_input(&[(mug, 1)], "tok_ok", "k-3"))
        .await;
    assert_eq!(error_code(&withdrawn), "BAD_USER_INPUT", "{withdrawn:#}");
    let again = shop
        .place_ok(&ada, order_input(&[(mug, 1)], "tok_ok", "k-1"))
        .await;
    assert_eq!(again, first);
    let other = shop
        .place(&ada, order_input(&[(mug, 3)], "tok_ok", "k-1"))
        .await;
    assert_eq!(error_code(&other), "CONFLICT", "{other:#}");
    Arc::into_inner(shop).unwrap().stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn products_down_answers_service_unavailable_within_the_timeout_and_writes_nothing() {
    let mut config = testkit::isolated_config("productsdown");
    // A port that accepts connections and never answers: the worst kind of down.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    config.urls.insert(
        ServiceName::Products,
        format!("http://{}/graphql", silent.local_addr().unwrap()),
    );
    config
        .urls
        .insert(ServiceName::Shipping, "http://127.0.0.1:9/graphql".into());
    let issuer = issuer();
    let policy = CallPolicy {
        attempt_timeout: Duration::from_millis(300),
        max_attempts: 3,
        backoff: Duration::from_millis(20),
        deadline: Duration::from_millis(800),
        ..CallPolicy::default()
    };
    config.verifier = Some(Arc::new(issuer.local_verifier(Duration::from_secs(5))));
    let shutdown = tokio_util::sync::CancellationToken::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let handle = mart_orders::start_with(
        &config,
        listener,
        shutdown.clone(),
        mart_orders::StartOptions {
            settings: mart_orders::OrdersSettings {
                products: policy,
                ..Default::default()
            },
        },
    )
    .await
    .unwrap();
    let url = format!("http://{}/graphql", handle.addr);
    let user = uuid::Uuid::now_v7();
    let token = issuer.issue(user, mart_auth::Role::Customer).unwrap().token;
    let client = reqwest::Client::new();
    let place = |key: &str| {
        client
            .post(&url)
            .bearer_auth(&token)
            .json(&json!({
                "query": super::support::PLACE_ORDER,
                "variables": { "input": order_input(&[(uuid::Uuid::now_v7(), 1)], "tok_ok", key) },
            }))
            .send()
    };

    let started = Instant::now();
    let body: serde_json::Value = place("down-1").await.unwrap().json().await.unwrap();
    let took = started.elapsed();
    assert_eq!(error_code(&body), "SERVICE_UNAVAILABLE", "{body:#}");
    assert!(took < Duration::from_millis(1500), "took {took:?}");

    // Repeated failures open the circuit: later calls fail at once.
    for key in ["down-2", "down-3"] {
        let body: serde_json::Value = place(key).await.unwrap().json().await.unwrap();
        assert_eq!(error_code(&body), "SERVICE_UNAVAILABLE");
    }
    let started = Instant::now();
    let body: serde_json::Value = place("down-4").await.unwrap().json().await.unwrap();
    assert_eq!(error_code(&body), "SERVICE_UNAVAILABLE");
    // A closed circuit would spend up to the whole deadline on a silent peer; an
    // open one answers without calling it. (Bounded by the deadline, not a small
    // figure, so a loaded machine does not fail the test.)
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(800),
        "the open circuit answers without waiting for the peer: took {took:?}"
    );

    let db = open(&config, ServiceName::Orders, &mart_orders::MIGRATIONS).await;
    assert_eq!(count(&db, "SELECT count(*) AS n FROM orders").await, 0);
    assert_eq!(
        count(&db, "SELECT count(*) AS n FROM outbox_events").await,
        0
    );
    drop(silent);
    shutdown.cancel();
    handle.join().await;
    drop(db);
    mart_service::db::drop_database(
        &config.database_url,
        &config.database_name(ServiceName::Orders),
    )
    .await
    .unwrap();
}
