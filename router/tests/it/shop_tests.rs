//! Queries against the "shop" fixture, each asserting the exact response a client sees.
use std::sync::atomic::Ordering;

use serde_json::json;

use crate::harness::query;
use crate::shop;

#[tokio::test]
async fn entity_fields_from_three_subgraphs_are_merged_in_selection_order() {
    let shop = shop::start(false).await;
    let body = query(
        &shop.router,
        "{ products { name id inStock reviews { body } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        body,
        json!({"data": {"products": [
            {"name": "Desk", "id": "p1", "inStock": true, "reviews": [{"body": "Sturdy"}, {"body": "Heavy"}]},
            {"name": "Lamp", "id": "p2", "inStock": false, "reviews": [{"body": "Bright"}]},
            {"name": "Chair", "id": "p3", "inStock": true, "reviews": []}
        ]}})
    );
    let text = crate::harness::query_text(
        &shop.router,
        "{ products { name id inStock reviews { body } } }",
    )
    .await;
    assert!(
        text.starts_with(r#"{"data":{"products":[{"name":"Desk","id":"p1","inStock":true,"#),
        "field order follows the selection: {text}"
    );
}

#[tokio::test]
async fn requires_sends_external_fields_including_nested_ones() {
    let shop = shop::start(false).await;
    let body = query(
        &shop.router,
        "{ products { id shippingEstimate insuranceCost } }",
        json!({}),
    )
    .await;
    assert_eq!(
        body,
        json!({"data": {"products": [
            {"id": "p1", "shippingEstimate": 0, "insuranceCost": 240},
            {"id": "p2", "shippingEstimate": 10, "insuranceCost": 12},
            {"id": "p3", "shippingEstimate": 0, "insuranceCost": 120}
        ]}})
    );
}

#[tokio::test]
async fn provides_lets_the_reviews_subgraph_answer_username() {
    let shop = shop::start(false).await;
    let body = query(
        &shop.router,
        "{ product(id: \"p1\") { reviews { author { id username } } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        body,
        json!({"data": {"product": {"reviews": [
            {"author": {"id": "u1", "username": "user-u1"}},
            {"author": {"id": "u2", "username": "user-u2"}}
        ]}}})
    );
    assert_eq!(
        shop.counters.user_entity_calls.load(Ordering::SeqCst),
        0,
        "username came from @provides, not from a User entity fetch"
    );
}

#[tokio::test]
async fn aliases_on_entity_fields_and_typename() {
    let shop = shop::start(false).await;
    let body = query(
        &shop.router,
        "{ first: product(id: \"p2\") { kind: __typename key: id available: inStock ship: shippingEstimate } }",
        json!({}),
    )
    .await;
    assert_eq!(
        body,
        json!({"data": {"first": {"kind": "Product", "key": "p2", "available": false, "ship": 10}}})
    );
}

#[tokio::test]
async fn fragments_on_a_union_pick_fields_by_concrete_type() {
    let shop = shop::start(false).await;
    let body = query(
        &shop.router,
        r#"query { search(term: "la") { __typename ...P ... on Category { name } } }
           fragment P on Product { id name inStock }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        body,
        json!({"data": {"search": [
            {"__typename": "Product", "id": "p2", "name": "Lamp", "inStock": false},
            {"__typename": "Category", "name": "Furniture"}
        ]}})
    );
}

#[tokio::test]
async fn lists_of_lists_of_entities() {
    let shop = shop::start(false).await;
    let body = query(&shop.router, "{ productMatrix { id inStock } }", json!({})).await;
    assert_eq!(
        body,
        json!({"data": {"productMatrix": [
            [{"id": "p1", "inStock": true}, {"id": "p2", "inStock": false}],
            [{"id": "p3", "inStock": true}]
        ]}})
    );
}

#[tokio::test]
async fn variables_reach_nested_entity_fields() {
    let shop = shop::start(false).await;
    let body = query(
        &shop.router,
        "query Notes($locale: String!, $n: Int) { topProducts(first: $n) { id stockNote(locale: $locale) } }",
        json!({"locale": "de", "n": 2}),
    )
    .await;
    assert_eq!(
        body,
        json!({"data": {"topProducts": [
            {"id": "p1", "stockNote": "de:p1"},
            {"id": "p2", "stockNote": "de:p2"}
        ]}})
    );
}

#[tokio::test]
async fn skip_and_include_decide_which_fetches_run() {
    let shop = shop::start(false).await;
    let operation = "query($stock: Boolean!, $skipName: Boolean!) { product(id: \"p1\") { id name @skip(if: $skipName) inStock @include(if: $stock) } }";
    let without = query(
        &shop.router,
        operation,
        json!({"stock": false, "skipName": true}),
    )
    .await;
    assert_eq!(without, json!({"data": {"product": {"id": "p1"}}}));
    assert_eq!(shop.counters.inventory_requests.load(Ordering::SeqCst), 0);
    let with = query(
        &shop.router,
        operation,
        json!({"stock": true, "skipName": false}),
    )
    .await;
    assert_eq!(
        with,
        json!({"data": {"product": {"id": "p1", "name": "Desk", "inStock": true}}})
    );
    assert_eq!(shop.counters.inventory_requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn entity_error_for_one_representation_nulls_only_that_item() {
    let shop = shop::start(false).await;
    let body = query(&shop.router, "{ topProducts { id restockEta } }", json!({})).await;
    assert_eq!(
        body,
        json!({
            "data": {"topProducts": [
                {"id": "p1", "restockEta": 7},
                {"id": "p2", "restockEta": 7},
                null
            ]},
            "errors": [{
                "message": "restock data unavailable for p3",
                "path": ["topProducts", 2, "restockEta"],
                "extensions": {"serviceName": "inventory"}
            }]
        })
    );
}

#[tokio::test]
async fn non_null_field_returned_as_null_propagates_to_the_nearest_nullable_parent() {
    let shop = shop::start(false).await;
    let body = query(
        &shop.router,
        "{ product(id: \"p2\") { id warehouse } other: product(id: \"p1\") { id warehouse } }",
        json!({}),
    )
    .await;
    assert_eq!(
        body,
        json!({
            "data": {"product": null, "other": {"id": "p1", "warehouse": "north"}},
            "errors": [{
                "message": "Cannot return null for non-nullable field Product.warehouse.",
                "locations": [{"line": 1, "column": 26}],
                "path": ["product", "warehouse"],
                "extensions": {"code": "INVALID_GRAPHQL_RESPONSE"}
            }]
        })
    );
}

#[tokio::test]
async fn a_subgraph_that_is_down_yields_partial_data_and_an_error() {
    let shop = shop::start(true).await;
    let body = query(&shop.router, "{ products { id name inStock } }", json!({})).await;
    let errors = body["errors"].as_array().expect("errors").clone();
    assert_eq!(
        body["data"],
        json!({"products": [
            {"id": "p1", "name": "Desk", "inStock": null},
            {"id": "p2", "name": "Lamp", "inStock": null},
            {"id": "p3", "name": "Chair", "inStock": null}
        ]})
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["path"], json!(["products"]));
    assert_eq!(
        errors[0]["extensions"],
        json!({"code": "SUBGRAPH_REQUEST_FAILED", "serviceName": "inventory"})
    );
    // The client learns which subgraph failed, not the network inside: no address, no URL,
    // no transport error chain (those go to the router's log).
    assert_eq!(
        errors[0]["message"],
        "HTTP fetch failed from 'inventory': the subgraph could not be reached"
    );
}
