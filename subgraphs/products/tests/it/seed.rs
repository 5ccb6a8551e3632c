use std::collections::HashSet;

use mart_service::testkit;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn seeding_twice_creates_the_catalogue_once() {
    let config = testkit::isolated_config("products_seed");
    let first = mart_products::seed(&config).await.unwrap();
    let second = mart_products::seed(&config).await.unwrap();
    assert!(first.len() >= 50);
    assert_eq!(first, second);
    assert_eq!(first.iter().collect::<HashSet<_>>().len(), first.len());

    // The service sees the seeded catalogue, and each product was announced once.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let handle = mart_products::start(&config, listener, shutdown.clone())
        .await
        .unwrap();
    let url = format!("http://{}/graphql", handle.addr);
    let body: serde_json::Value = reqwest::Client::new()
        .post(&url)
        .json(&json!({ "query": "{ categories { slug products(first: 100) { edges { node { id } } } } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let categories = body["data"]["categories"].as_array().unwrap();
    assert!(categories.len() >= 5, "{body}");
    let listed: HashSet<String> = categories
        .iter()
        .flat_map(|c| c["products"]["edges"].as_array().unwrap().clone())
        .map(|e| e["node"]["id"].as_str().unwrap().to_string())
        .collect();
    let seeded: HashSet<String> = first.iter().map(|id| id.to_string()).collect();
    assert_eq!(listed, seeded);
    shutdown.cancel();
    handle.join().await;

    let db = mart_service::Database::open(
        &config,
        mart_products::SERVICE,
        &[&mart_events::MIGRATIONS, &mart_products::MIGRATIONS],
    )
    .await
    .unwrap();
    let mut conn = db.conn().await.unwrap();
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let created: Count = diesel_async::RunQueryDsl::get_result(
        diesel::sql_query(
            "SELECT count(*) AS n FROM outbox_events WHERE envelope->>'type' = 'product.created'",
        ),
        &mut conn,
    )
    .await
    .unwrap();
    assert_eq!(created.n as usize, first.len());
    drop(conn);
    drop(db);
    mart_service::db::drop_database(
        &config.database_url,
        &config.database_name(mart_products::SERVICE),
    )
    .await
    .unwrap();
}
