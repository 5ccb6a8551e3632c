use serde_json::{Value, json};

use crate::support::{CREATE_CATEGORY, CREATE_PRODUCT, TestService, create_product, product_input};

fn with(mut input: Value, path: &[&str], value: Value) -> Value {
    let mut target = &mut input;
    for key in &path[..path.len() - 1] {
        target = &mut target[*key];
    }
    target[path[path.len() - 1]] = value;
    input
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_input_is_rejected_with_its_field_and_writes_nothing() {
    let service = TestService::start("products_validation").await;
    let valid = product_input("VALID-1", "Valid product", 1000);
    let cases = [
        (with(valid.clone(), &["sku"], json!("")), "sku"),
        (with(valid.clone(), &["sku"], json!("has space")), "sku"),
        (with(valid.clone(), &["name"], json!("   ")), "name"),
        (
            with(valid.clone(), &["name"], json!("x".repeat(201))),
            "name",
        ),
        (with(valid.clone(), &["slug"], json!("Not A Slug")), "slug"),
        (with(valid.clone(), &["name"], json!("!!!")), "slug"),
        (
            with(valid.clone(), &["price", "amountMinor"], json!(-1)),
            "price.amountMinor",
        ),
        (
            with(valid.clone(), &["price", "currency"], json!("euro")),
            "price.currency",
        ),
        (
            with(valid.clone(), &["weightGrams"], json!(-5)),
            "weightGrams",
        ),
        (
            with(
                valid.clone(),
                &["dimensions"],
                json!({ "lengthMm": 10, "widthMm": 0, "heightMm": 5 }),
            ),
            "dimensions.widthMm",
        ),
        (
            with(valid.clone(), &["categoryId"], json!("not-a-uuid")),
            "categoryId",
        ),
    ];
    for (input, field) in cases {
        let (code, got) = service
            .error(CREATE_PRODUCT, json!({ "input": input }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{input}");
        assert_eq!(got.as_deref(), Some(field), "{input}");
    }

    let list = "query($first: Int, $after: String, $filter: ProductFilter) { products(first: $first, after: $after, filter: $filter) { edges { cursor } } }";
    for (variables, field) in [
        (json!({ "first": 0 }), "first"),
        (json!({ "first": 101 }), "first"),
        (json!({ "after": "garbage" }), "after"),
        (
            json!({ "filter": { "minPrice": 10, "maxPrice": 5 } }),
            "filter.maxPrice",
        ),
        (json!({ "filter": { "minPrice": -1 } }), "filter.minPrice"),
    ] {
        let (code, got) = service.error(list, variables.clone()).await;
        assert_eq!(
            (code.as_str(), got.as_deref()),
            ("BAD_USER_INPUT", Some(field)),
            "{variables}"
        );
    }
    let (code, _) = service
        .error("{ product(sku: \"A\", slug: \"a\") { id } }", json!({}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");

    let created = create_product(&service, valid).await;
    let (code, field) = service
        .error(
            "mutation($id: ID!) { updateProduct(id: $id, input: {}) { id } }",
            json!({ "id": created["id"] }),
        )
        .await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("input"))
    );

    let events = service.outbox().await;
    assert_eq!(events.len(), 1, "only the valid create emitted: {events:?}");
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicate_skus_and_slugs_conflict() {
    let service = TestService::start("products_conflict").await;
    let first = create_product(&service, product_input("DUP-1", "Original", 1000)).await;
    create_product(&service, product_input("DUP-2", "Second", 1000)).await;

    let same_sku = product_input("DUP-1", "Another name", 1000);
    let (code, _) = service
        .error(CREATE_PRODUCT, json!({ "input": same_sku }))
        .await;
    assert_eq!(code, "CONFLICT");

    let same_slug = with(
        product_input("DUP-3", "Different", 1000),
        &["slug"],
        json!("original"),
    );
    let (code, _) = service
        .error(CREATE_PRODUCT, json!({ "input": same_slug }))
        .await;
    assert_eq!(code, "CONFLICT");

    let (code, _) = service
        .error(
            "mutation($id: ID!) { updateProduct(id: $id, input: { slug: \"second\" }) { id } }",
            json!({ "id": first["id"] }),
        )
        .await;
    assert_eq!(code, "CONFLICT");

    service
        .ok(CREATE_CATEGORY, json!({ "input": { "name": "Audio" } }))
        .await;
    let (code, _) = service
        .error(
            CREATE_CATEGORY,
            json!({ "input": { "name": "More audio", "slug": "audio" } }),
        )
        .await;
    assert_eq!(code, "CONFLICT");

    let unknown_category = with(
        product_input("DUP-4", "Orphan", 1000),
        &["categoryId"],
        json!(uuid::Uuid::now_v7().to_string()),
    );
    let (code, _) = service
        .error(CREATE_PRODUCT, json!({ "input": unknown_category }))
        .await;
    assert_eq!(code, "NOT_FOUND");

    let events = service.outbox().await;
    assert_eq!(events.len(), 2, "failed writes emit nothing: {events:?}");
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_creates_of_one_sku_let_exactly_one_win() {
    let service = TestService::start("products_race").await;
    let attempts = (0..8).map(|i| {
        let input = product_input("RACE-1", &format!("Racer {i}"), 1000);
        let service = &service;
        async move { service.gql(CREATE_PRODUCT, json!({ "input": input })).await }
    });
    let results = futures::future::join_all(attempts).await;
    let won = results.iter().filter(|r| r.get("errors").is_none()).count();
    let conflicts = results
        .iter()
        .filter(|r| r["errors"][0]["extensions"]["code"] == "CONFLICT")
        .count();
    assert_eq!((won, conflicts), (1, 7), "{results:#?}");
    service.stop().await;
}
