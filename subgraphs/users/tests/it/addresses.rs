use serde_json::json;

use crate::support::*;

const ADD: &str = r#"
mutation($input: AddressInput!) {
  addAddress(input: $input) { id name line1 line2 city postalCode country }
}"#;
const REMOVE: &str = "mutation($id: ID!) { removeAddress(id: $id) { id } }";

fn home() -> serde_json::Value {
    json!({
        "name": "Ada Lovelace", "line1": "12 St James's Square", "line2": null,
        "city": "London", "postalCode": "SW1Y 4JH", "country": "gb"
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn customers_manage_their_own_addresses() {
    let service = TestService::start("users_addr").await;
    let (_, token, _) = service.customer(&unique_email("addr")).await;

    let added = service
        .ok(ADD, json!({ "input": home() }), Some(&token))
        .await;
    let address = &added["addAddress"];
    assert_eq!(address["country"], "GB");
    assert_eq!(address["postalCode"], "SW1Y 4JH");
    let me = service.ok(ME, json!({}), Some(&token)).await;
    assert_eq!(me["me"]["addresses"][0]["id"], address["id"]);

    let mut bad = home();
    bad["country"] = json!("UK");
    let body = service
        .gql(ADD, json!({ "input": bad }), Some(&token))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "country");

    let removed = service
        .ok(REMOVE, json!({ "id": address["id"] }), Some(&token))
        .await;
    assert_eq!(removed["removeAddress"]["id"], address["id"]);
    let me = service.ok(ME, json!({}), Some(&token)).await;
    assert_eq!(me["me"]["addresses"], json!([]));
    let body = service
        .gql(REMOVE, json!({ "id": address["id"] }), Some(&token))
        .await;
    assert_eq!(first_error(&body).0, "NOT_FOUND");
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn nobody_else_touches_an_address() {
    let service = TestService::start("users_addr_own").await;
    let (_, owner, _) = service.customer(&unique_email("owner")).await;
    let (_, intruder, _) = service.customer(&unique_email("intruder")).await;
    let added = service
        .ok(ADD, json!({ "input": home() }), Some(&owner))
        .await;
    let id = added["addAddress"]["id"].clone();

    let body = service
        .gql(REMOVE, json!({ "id": id }), Some(&intruder))
        .await;
    assert_eq!(first_error(&body).0, "FORBIDDEN");
    assert_eq!(body["data"], json!(null));
    let body = service.gql(ADD, json!({ "input": home() }), None).await;
    assert_eq!(first_error(&body).0, "UNAUTHENTICATED");

    let me = service.ok(ME, json!({}), Some(&owner)).await;
    assert_eq!(me["me"]["addresses"][0]["id"], id, "still there");
    service.stop().await;
}
