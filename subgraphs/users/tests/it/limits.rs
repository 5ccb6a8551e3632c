//! Free text has a maximum (docs/limits.md): an over-long value is refused
//! with `BAD_USER_INPUT` naming its field; passwords before they are hashed
//! or verified.

use serde_json::{Value, json};

use crate::support::*;

fn code_and_field(body: &Value) -> (String, String) {
    let error = &body["errors"][0]["extensions"];
    (
        error["code"].as_str().unwrap_or_default().to_string(),
        error["field"].as_str().unwrap_or_default().to_string(),
    )
}

fn refused(field: &str) -> (String, String) {
    ("BAD_USER_INPUT".into(), field.into())
}

#[tokio::test(flavor = "multi_thread")]
async fn over_long_credentials_names_and_addresses_are_refused() {
    let service = TestService::start("users_limits").await;

    let email = unique_email("limits");
    let huge_password = "p".repeat(300_000);
    for (variables, field) in [
        (
            json!({ "email": email, "password": huge_password, "name": "Ada" }),
            "password",
        ),
        (
            json!({ "email": email, "password": "p".repeat(257), "name": "Ada" }),
            "password",
        ),
        (
            json!({ "email": email, "password": PASSWORD, "name": "n".repeat(101) }),
            "name",
        ),
        (
            json!({ "email": format!("{}@example.com", "e".repeat(250)), "password": PASSWORD, "name": "Ada" }),
            "email",
        ),
    ] {
        let body = service.gql(REGISTER, variables, None).await;
        assert_eq!(
            code_and_field(&body),
            refused(field),
            "{:#}",
            body["errors"]
        );
    }
    // None of those made the account: signing in with it fails as unknown.
    let body = service
        .gql(LOGIN, json!({ "email": email, "password": PASSWORD }), None)
        .await;
    assert_eq!(first_error(&body).0, "UNAUTHENTICATED");

    // Signing in and refreshing: longer than any account's password or any
    // token handed out, refused before it is verified or looked up.
    let (_, token, refresh) = service.customer(&email).await;
    let body = service
        .gql(
            LOGIN,
            json!({ "email": email, "password": huge_password }),
            None,
        )
        .await;
    assert_eq!(code_and_field(&body), refused("password"));
    let body = service
        .gql(REFRESH, json!({ "token": "r".repeat(300_000) }), None)
        .await;
    assert_eq!(code_and_field(&body), refused("token"));
    let body = service
        .gql(
            "mutation($t: String!) { logout(refreshToken: $t) }",
            json!({ "t": "r".repeat(129) }),
            None,
        )
        .await;
    assert_eq!(code_and_field(&body), refused("refreshToken"));
    // The real session is untouched by the refusals.
    let body = service
        .gql(REFRESH, json!({ "token": refresh }), None)
        .await;
    assert!(body.get("errors").is_none(), "{body:#}");

    let add = "mutation($input: AddressInput!) { addAddress(input: $input) { id } }";
    let address = json!({
        "name": "Ada Lovelace", "line1": "12 St James's Square", "line2": null,
        "city": "London", "postalCode": "SW1Y 4JH", "country": "GB"
    });
    for (key, value, field) in [
        ("line1", "l".repeat(201), "line1"),
        ("line2", "l".repeat(100_000), "line2"),
        ("postalCode", "1".repeat(21), "postalCode"),
    ] {
        let mut input = address.clone();
        input[key] = json!(value);
        let body = service
            .gql(add, json!({ "input": input }), Some(&token))
            .await;
        assert_eq!(code_and_field(&body), refused(field), "{key}");
    }
    let me = service.ok(ME, json!({}), Some(&token)).await;
    assert_eq!(me["me"]["addresses"], json!([]), "no address was saved");
    service.stop().await;
}
