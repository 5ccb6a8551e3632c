//! Free text has a maximum (docs/limits.md): an over-long value is refused
//! with `BAD_USER_INPUT` naming its field, and no event is written for it.

use serde_json::json;

use crate::support::{CREATE_CATEGORY, CREATE_PRODUCT, TestService, create_product, product_input};

#[tokio::test(flavor = "multi_thread")]
async fn over_long_text_is_refused_naming_its_field_and_emits_nothing() {
    let service = TestService::start("products_limits").await;

    let mut long_description = product_input("LIMIT-1", "Limit", 1000);
    long_description["description"] = json!("d".repeat(10_001));
    let mut long_name = product_input("LIMIT-2", "Limit", 1000);
    long_name["name"] = json!("n".repeat(201));
    for (input, field) in [(long_description, "description"), (long_name, "name")] {
        let (code, got) = service
            .error(CREATE_PRODUCT, json!({ "input": input }))
            .await;
        assert_eq!(
            (code.as_str(), got.as_deref()),
            ("BAD_USER_INPUT", Some(field))
        );
    }
    let (code, got) = service
        .error(
            CREATE_CATEGORY,
            json!({ "input": { "name": "Audio", "description": "d".repeat(2_001) } }),
        )
        .await;
    assert_eq!(
        (code.as_str(), got.as_deref()),
        ("BAD_USER_INPUT", Some("description"))
    );

    // An update is held to the same limits as a create.
    let mut at_limit = product_input("LIMIT-3", "Limit", 1000);
    at_limit["description"] = json!("d".repeat(10_000));
    let created = create_product(&service, at_limit).await;
    let (code, got) = service
        .error(
            "mutation($id: ID!, $d: String) { updateProduct(id: $id, input: { description: $d }) { id } }",
            json!({ "id": created["id"], "d": "d".repeat(10_001) }),
        )
        .await;
    assert_eq!(
        (code.as_str(), got.as_deref()),
        ("BAD_USER_INPUT", Some("description"))
    );

    // Lookups and searches: longer than anything stored is a mistake.
    for (query, variables, field) in [
        (
            "query($s: String) { product(sku: $s) { id } }",
            json!({ "s": "S".repeat(65) }),
            "sku",
        ),
        (
            "query($s: String) { category(slug: $s) { id } }",
            json!({ "s": "s".repeat(121) }),
            "slug",
        ),
        (
            "query($s: String) { products(filter: { search: $s }) { edges { cursor } } }",
            json!({ "s": "q".repeat(201) }),
            "filter.search",
        ),
        (
            "query($a: String) { products(after: $a) { edges { cursor } } }",
            json!({ "a": "A".repeat(300_000) }),
            "after",
        ),
    ] {
        let (code, got) = service.error(query, variables).await;
        assert_eq!(
            (code.as_str(), got.as_deref()),
            ("BAD_USER_INPUT", Some(field)),
            "{query}"
        );
    }

    let events = service.outbox().await;
    assert_eq!(
        events.len(),
        1,
        "only the product at the limit emitted: {events:?}"
    );
    service.stop().await;
}
