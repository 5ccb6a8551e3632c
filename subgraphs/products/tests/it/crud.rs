use serde_json::json;

use crate::support::{CREATE_CATEGORY, TestService, create_product, product_input};

const PRODUCT_FIELDS: &str = "id sku slug name description weightGrams status \
    price { amountMinor currency } dimensions { lengthMm widthMm heightMm } category { slug }";

#[tokio::test(flavor = "multi_thread")]
async fn a_product_is_created_read_updated_and_archived() {
    let service = TestService::start("products_crud").await;

    let category = service
        .ok(
            CREATE_CATEGORY,
            json!({ "input": { "name": "Coffee & Tea" } }),
        )
        .await["createCategory"]
        .clone();
    assert_eq!(category["slug"], "coffee-tea");

    let mut input = product_input("COF-GRIND-1", "Hand Grinder", 8900);
    input["dimensions"] = json!({ "lengthMm": 190, "widthMm": 60, "heightMm": 60 });
    input["categoryId"] = category["id"].clone();
    let created = create_product(&service, input).await;
    assert_eq!(created["slug"], "hand-grinder");
    assert_eq!(created["status"], "ACTIVE");
    assert_eq!(
        created["price"],
        json!({ "amountMinor": 8900, "currency": "EUR" })
    );
    assert_eq!(created["dimensions"]["lengthMm"], 190);
    assert_eq!(created["category"]["slug"], "coffee-tea");
    let id = created["id"].as_str().unwrap().to_string();

    // The same product by each of its three names.
    let by = format!(
        "query($id: ID, $sku: String, $slug: String) {{ product(id: $id, sku: $sku, slug: $slug) {{ {PRODUCT_FIELDS} }} }}"
    );
    for variables in [
        json!({ "id": id }),
        json!({ "sku": "COF-GRIND-1" }),
        json!({ "slug": "hand-grinder" }),
    ] {
        let found = service.ok(&by, variables.clone()).await;
        assert_eq!(found["product"]["id"], id.as_str(), "{variables}");
        assert_eq!(found["product"]["name"], "Hand Grinder");
    }
    let missing = service.ok(&by, json!({ "sku": "NOPE" })).await;
    assert!(missing["product"].is_null());

    let update = format!(
        "mutation($id: ID!, $input: UpdateProductInput!) {{ updateProduct(id: $id, input: $input) {{ {PRODUCT_FIELDS} updatedAt }} }}"
    );
    let updated = service
        .ok(
            &update,
            json!({ "id": id, "input": {
                "name": "Hand Grinder Pro",
                "price": { "amountMinor": 9900, "currency": "EUR" },
                "dimensions": null,
                "categoryId": null,
            }}),
        )
        .await["updateProduct"]
        .clone();
    assert_eq!(updated["name"], "Hand Grinder Pro");
    assert_eq!(
        updated["slug"], "hand-grinder",
        "the slug stays unless given"
    );
    assert_eq!(updated["sku"], "COF-GRIND-1");
    assert_eq!(updated["price"]["amountMinor"], 9900);
    assert!(updated["dimensions"].is_null());
    assert!(updated["category"].is_null());
    assert_eq!(updated["description"], created["description"]);

    let archive = "mutation($id: ID!) { archiveProduct(id: $id) { id status } }";
    let archived = service.ok(archive, json!({ "id": id })).await;
    assert_eq!(archived["archiveProduct"]["status"], "ARCHIVED");
    let again = service.ok(archive, json!({ "id": id })).await;
    assert_eq!(again["archiveProduct"]["status"], "ARCHIVED");

    // Archived products leave the default listing but can still be looked up.
    let list =
        "query($filter: ProductFilter) { products(filter: $filter) { edges { node { id } } } }";
    let active = service.ok(list, json!({})).await;
    assert_eq!(active["products"]["edges"], json!([]));
    let archived_list = service
        .ok(list, json!({ "filter": { "status": "ARCHIVED" } }))
        .await;
    assert_eq!(
        archived_list["products"]["edges"][0]["node"]["id"],
        id.as_str()
    );
    let still = service.ok(&by, json!({ "id": id })).await;
    assert_eq!(still["product"]["status"], "ARCHIVED");

    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn categories_are_listed_and_found_by_slug_with_their_products() {
    let service = TestService::start("products_categories").await;
    for name in ["Outdoor", "Audio"] {
        service
            .ok(
                CREATE_CATEGORY,
                json!({ "input": { "name": name, "description": "d" } }),
            )
            .await;
    }
    let audio = service
        .ok("{ category(slug: \"audio\") { id name } }", json!({}))
        .await["category"]
        .clone();
    let mut input = product_input("AUD-1", "Speaker", 8900);
    input["categoryId"] = audio["id"].clone();
    create_product(&service, input).await;
    create_product(&service, product_input("OTHER-1", "Unrelated", 100)).await;

    let data = service
        .ok(
            "{ categories { name products { edges { node { sku category { name } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["categories"],
        json!([
            { "name": "Audio", "products": { "edges": [
                { "node": { "sku": "AUD-1", "category": { "name": "Audio" } } }
            ] } },
            { "name": "Outdoor", "products": { "edges": [] } },
        ])
    );
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_products_cannot_be_updated_or_archived() {
    let service = TestService::start("products_not_found").await;
    let id = uuid::Uuid::now_v7().to_string();
    let (code, _) = service
        .error(
            "mutation($id: ID!) { updateProduct(id: $id, input: { name: \"x\" }) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (code, _) = service
        .error(
            "mutation($id: ID!) { archiveProduct(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    service.stop().await;
}
