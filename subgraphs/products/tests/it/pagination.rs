use serde_json::{Value, json};

use crate::support::{CREATE_CATEGORY, TestService, create_product, product_input};

const PAGE: &str = r#"
query($first: Int, $after: String, $filter: ProductFilter) {
  products(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id sku } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"#;

async fn page(service: &TestService, first: i64, after: Option<&str>, filter: Value) -> Value {
    let data = service
        .ok(
            PAGE,
            json!({ "first": first, "after": after, "filter": filter }),
        )
        .await;
    data["products"].clone()
}

fn skus(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["sku"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn walking_the_cursor_to_the_end_sees_every_product_once_in_a_stable_order() {
    let service = TestService::start("products_paging").await;
    let mut created = Vec::new();
    for i in 0..23 {
        let sku = format!("PAGE-{i:02}");
        create_product(
            &service,
            product_input(&sku, &format!("Paged product {i}"), 100 + i),
        )
        .await;
        created.push(sku);
    }

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let p = page(&service, 5, after.as_deref(), json!(null)).await;
        pages += 1;
        assert_eq!(p["pageInfo"]["hasPreviousPage"], after.is_some());
        let edges = p["edges"].as_array().unwrap();
        assert_eq!(p["pageInfo"]["endCursor"], edges.last().unwrap()["cursor"]);
        assert_eq!(p["pageInfo"]["startCursor"], edges[0]["cursor"]);
        seen.extend(skus(&p));
        if p["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = p["pageInfo"]["endCursor"].as_str().map(str::to_string);
        assert!(pages < 10, "the walk does not end");
    }
    assert_eq!(pages, 5);
    assert_eq!(seen, created, "every product once, oldest first");

    // The same walk gives the same pages.
    let first_again = page(&service, 5, None, json!(null)).await;
    assert_eq!(skus(&first_again), created[..5]);
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cursors_stay_valid_while_products_are_added_and_edited() {
    let service = TestService::start("products_stable").await;
    let mut created = Vec::new();
    for i in 0..10 {
        let sku = format!("STABLE-{i}");
        create_product(&service, product_input(&sku, &format!("Stable {i}"), 100)).await;
        created.push(sku);
    }
    let first = page(&service, 4, None, json!(null)).await;
    let mut seen = skus(&first);

    // Renaming a product already seen and adding new ones must not shift the walk.
    let renamed = first["edges"][0]["node"]["id"].clone();
    service
        .ok(
            "mutation($id: ID!) { updateProduct(id: $id, input: { name: \"Zzz renamed\" }) { id } }",
            json!({ "id": renamed }),
        )
        .await;
    for i in 0..3 {
        create_product(
            &service,
            product_input(&format!("LATE-{i}"), &format!("Late {i}"), 100),
        )
        .await;
    }

    let mut after = first["pageInfo"]["endCursor"].as_str().unwrap().to_string();
    loop {
        let p = page(&service, 4, Some(&after), json!(null)).await;
        seen.extend(skus(&p));
        if p["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = p["pageInfo"]["endCursor"].as_str().unwrap().to_string();
    }
    let mut expected = created.clone();
    expected.extend((0..3).map(|i| format!("LATE-{i}")));
    assert_eq!(seen, expected);
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn filters_narrow_the_listing() {
    let service = TestService::start("products_filter").await;
    let kitchen = service
        .ok(CREATE_CATEGORY, json!({ "input": { "name": "Kitchen" } }))
        .await["createCategory"]["id"]
        .clone();
    let mut mug = product_input("MUG-1", "Blue Mug", 1500);
    mug["categoryId"] = kitchen.clone();
    create_product(&service, mug).await;
    let mut pan = product_input("PAN-1", "Skillet", 4900);
    pan["categoryId"] = kitchen.clone();
    pan["description"] = json!("Pairs well with a mug of coffee");
    create_product(&service, pan).await;
    create_product(&service, product_input("SALE-1", "100% cotton towel", 900)).await;

    let cases = [
        (json!({ "search": "MUG" }), vec!["MUG-1", "PAN-1"]),
        (json!({ "search": "100%" }), vec!["SALE-1"]),
        (json!({ "search": "_" }), vec![]),
        (json!({ "categoryId": kitchen }), vec!["MUG-1", "PAN-1"]),
        (json!({ "minPrice": 1000 }), vec!["MUG-1", "PAN-1"]),
        (json!({ "maxPrice": 1500 }), vec!["MUG-1", "SALE-1"]),
        (
            json!({ "minPrice": 1000, "maxPrice": 2000, "search": "mug" }),
            vec!["MUG-1"],
        ),
    ];
    for (filter, expected) in cases {
        let p = page(&service, 20, None, filter.clone()).await;
        assert_eq!(skus(&p), expected, "filter {filter}");
    }
    service.stop().await;
}
