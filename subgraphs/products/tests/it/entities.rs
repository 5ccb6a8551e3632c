use serde_json::json;

use crate::support::{
    TestService, create_product, product_input, queries_mentioning, query_log_mark,
};

const ENTITIES: &str = r#"
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Product { id sku name price { amountMinor } }
  }
}"#;

#[tokio::test(flavor = "multi_thread")]
async fn entities_by_id_and_sku_resolve_in_order_with_one_query_per_batch() {
    let service = TestService::start("products_entities").await;
    let a = create_product(&service, product_input("ENT-A", "Entity A", 100)).await;
    let b = create_product(&service, product_input("ENT-B", "Entity B", 200)).await;
    let c = create_product(&service, product_input("ENT-C", "Entity C", 300)).await;
    // Unique to this test, so the statement log can be searched for it.
    let missing_sku = format!("MISSING-{}", uuid::Uuid::now_v7().simple());
    let missing_id = uuid::Uuid::now_v7().to_string();

    let representations = json!([
        { "__typename": "Product", "id": b["id"] },
        { "__typename": "Product", "sku": "ENT-A" },
        { "__typename": "Product", "id": missing_id },
        { "__typename": "Product", "sku": missing_sku },
        { "__typename": "Product", "id": c["id"] },
        { "__typename": "Product", "sku": "ENT-C" },
        { "__typename": "Product", "id": "not-a-uuid" },
    ]);
    let mark = query_log_mark();
    let data = service
        .ok(ENTITIES, json!({ "representations": representations }))
        .await;
    let names: Vec<Option<&str>> = data["_entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            Some("Entity B"),
            Some("Entity A"),
            None,
            None,
            Some("Entity C"),
            Some("Entity C"),
            None
        ]
    );
    assert_eq!(data["_entities"][0]["id"], b["id"]);
    assert_eq!(data["_entities"][1]["id"], a["id"]);
    assert_eq!(data["_entities"][5]["price"]["amountMinor"], 300);

    let lookups: Vec<String> = queries_mentioning(&missing_sku, mark)
        .into_iter()
        .filter(|q| q.trim_start().starts_with("SELECT"))
        .collect();
    assert_eq!(
        lookups.len(),
        1,
        "one statement for the whole batch: {lookups:#?}"
    );
    let statement = &lookups[0];
    for key in [
        b["id"].as_str().unwrap(),
        "ENT-A",
        &missing_id,
        c["id"].as_str().unwrap(),
        "ENT-C",
    ] {
        assert!(statement.contains(key), "{key} is not in {statement}");
    }
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn products_listed_with_categories_load_the_categories_in_one_query() {
    let service = TestService::start("products_cat_batch").await;
    let unique = uuid::Uuid::now_v7().simple().to_string();
    let mut ids = Vec::new();
    for i in 0..3 {
        let slug = format!("cat-{i}-{unique}");
        let category = service
            .ok(
                crate::support::CREATE_CATEGORY,
                json!({ "input": { "name": format!("Category {i}"), "slug": slug } }),
            )
            .await["createCategory"]["id"]
            .clone();
        let mut input = product_input(&format!("CB-{i}"), &format!("Batched {i}"), 100);
        input["categoryId"] = category.clone();
        create_product(&service, input).await;
        ids.push(category.as_str().unwrap().to_string());
    }
    let category_lookups = |mark| -> Vec<String> {
        queries_mentioning(&ids[0], mark)
            .into_iter()
            .filter(|q| q.contains("FROM \"categories\""))
            .collect()
    };

    let mark = query_log_mark();
    let data = service
        .ok(
            "{ products { edges { node { category { id name } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed_categories(&data, "id"), ids);
    assert_eq!(
        listed_categories(&data, "name"),
        ["Category 0", "Category 1", "Category 2"]
    );
    let lookups = category_lookups(mark);
    assert_eq!(lookups.len(), 1, "{lookups:#?}");
    assert!(ids.iter().all(|id| lookups[0].contains(id.as_str())));

    // A product's row names its category (a foreign key): asking only for the id
    // reads no category at all.
    let mark = query_log_mark();
    let data = service
        .ok(
            "{ products { edges { node { category { id __typename } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed_categories(&data, "id"), ids);
    let lookups = category_lookups(mark);
    assert!(lookups.is_empty(), "{lookups:#?}");
    service.stop().await;
}

/// One field of each listed product's category, in listing order.
fn listed_categories(data: &serde_json::Value, field: &str) -> Vec<String> {
    data["products"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["category"][field].as_str().unwrap().to_string())
        .collect()
}
