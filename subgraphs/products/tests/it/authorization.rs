//! The catalogue is public to read and for staff to change.

use mart_auth::Role;
use serde_json::json;

use crate::support::{CREATE_PRODUCT, TestService, product_input};

fn first_code(body: &serde_json::Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

#[tokio::test(flavor = "multi_thread")]
async fn only_admins_change_the_catalogue() {
    let service = TestService::start("products_authz").await;
    let input = json!({ "input": product_input("AUTHZ-1", "Guarded Kettle", 2500) });

    let anonymous = service.gql_as(None, CREATE_PRODUCT, input.clone()).await;
    assert_eq!(first_code(&anonymous), "UNAUTHENTICATED", "{anonymous}");
    assert_eq!(anonymous["data"], json!(null));

    let customer = service.auth.token(Role::Customer);
    let refused = service
        .gql_as(Some(&customer), CREATE_PRODUCT, input.clone())
        .await;
    assert_eq!(first_code(&refused), "FORBIDDEN", "{refused}");

    let forged = service
        .gql_as(
            Some("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwic2NvcGUiOiJhZG1pbiJ9."),
            CREATE_PRODUCT,
            input.clone(),
        )
        .await;
    assert_eq!(first_code(&forged), "UNAUTHENTICATED", "{forged}");

    // Nothing was written and no event left for any refused attempt.
    assert!(service.outbox().await.is_empty());
    let lookup = service
        .ok(r#"{ product(sku: "AUTHZ-1") { id } }"#, json!({}))
        .await;
    assert_eq!(lookup["product"], json!(null));

    // Staff can; anyone can read the result.
    let created = service.ok(CREATE_PRODUCT, input).await;
    assert_eq!(created["createProduct"]["name"], "Guarded Kettle");
    let read = service
        .gql_as(None, r#"{ product(sku: "AUTHZ-1") { name } }"#, json!({}))
        .await;
    assert_eq!(read["data"]["product"]["name"], "Guarded Kettle", "{read}");
    service.stop().await;
}
