//! Authentication and authorization at the router: token verification (HTTP 401
//! `UNAUTHENTICATED`, the subgraph never called), `@requiresScopes` enforcement (the field null
//! with `UNAUTHENTICATED` / `FORBIDDEN` at its path, the rest answered) and what identity
//! reaches the subgraph.
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mart_auth::Role;
use serde_json::{Value, json};

use crate::auth::{self, Vault};
use crate::harness::client;

async fn post(vault: &Vault, token: Option<&str>, query: &str) -> (u16, Value) {
    post_with(vault, token, query, &[]).await
}

async fn post_with(
    vault: &Vault,
    token: Option<&str>,
    query: &str,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let mut request = client()
        .post(vault.router.graphql_url())
        .json(&json!({ "query": query }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("router answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

fn codes(body: &Value) -> Vec<(String, Value)> {
    body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["extensions"]["code"].as_str().unwrap_or("").to_string(),
                e["path"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_valid_admin_token_gets_every_field() {
    let vault = auth::start().await;
    let token = vault.token(Role::Admin);
    let (status, body) = post(&vault, Some(&token), "{ motto secret membersOnly }").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"data": {"motto": "open to all", "secret": "the vault code", "membersOnly": "members"}})
    );
}

fn tamper(token: &str) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["scope"] = json!("admin customer");
    claims["role"] = json!("admin");
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{}.{}.{}", parts[0], payload, parts[2])
}

fn with_header(token: &str, header: Value, signature: &[u8]) -> String {
    let payload = token.split('.').nth(1).unwrap();
    let header = URL_SAFE_NO_PAD.encode(header.to_string());
    format!("{header}.{payload}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// An HS256 token whose HMAC secret is the published public key (the classic key confusion).
fn hs256_with_public_key(vault: &Vault, token: &str) -> String {
    let jwk = serde_json::to_value(vault.issuer.keys().jwks().keys[0].clone()).unwrap();
    let secret = jwk["x"].as_str().unwrap().as_bytes().to_vec();
    let claims: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = jwk["kid"].as_str().map(str::to_string);
    jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(&secret),
    )
    .unwrap()
}

#[tokio::test]
async fn refused_tokens_get_401_unauthenticated_and_reach_no_subgraph() {
    let vault = auth::start().await;
    let customer = vault.token(Role::Customer);
    let kid = vault.issuer.keys().signing().kid().to_string();
    let expired = {
        let now = mart_auth::claims::now_secs();
        let claims = mart_auth::AccessClaims::new(
            auth::ISSUER,
            auth::AUDIENCE,
            uuid::Uuid::now_v7(),
            Role::Admin,
            now - 3600,
            60,
        );
        vault.issuer.sign(claims).unwrap().token
    };
    let unknown_key = auth::issuer(Duration::from_secs(900))
        .issue(uuid::Uuid::now_v7(), Role::Admin)
        .unwrap()
        .token;
    let alg_none = with_header(
        &customer,
        json!({"alg": "none", "typ": "JWT", "kid": kid}),
        b"",
    );
    let cases = [
        ("expired", expired),
        ("unknown key", unknown_key),
        ("tampered payload", tamper(&customer)),
        ("alg none", alg_none),
        (
            "HS256 with the public key",
            hs256_with_public_key(&vault, &customer),
        ),
        ("not a JWT", "garbage".to_string()),
    ];
    for (what, token) in cases {
        let (status, body) = post(&vault, Some(&token), "{ motto secret }").await;
        assert_eq!(status, 401, "{what}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{what}"
        );
        assert!(body.get("data").is_none(), "{what}: no data in {body}");
    }
    let response = client()
        .post(vault.router.graphql_url())
        .header("authorization", "Basic dXNlcjpwYXNz")
        .json(&json!({"query": "{ motto }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "a non-Bearer Authorization");
    assert_eq!(
        vault.subgraph_requests(),
        0,
        "no refused request reached the subgraph"
    );
}

#[tokio::test]
async fn anonymous_callers_get_unauthenticated_at_each_restricted_path() {
    let vault = auth::start().await;
    let (status, body) = post(&vault, None, "{ motto secret accounts { name balance } }").await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"],
        json!({
            "motto": "open to all",
            "secret": null,
            "accounts": [{"name": "ada", "balance": null}, {"name": "bob", "balance": null}]
        })
    );
    let mut errors = codes(&body);
    errors.sort_by_key(|(_, path)| path.to_string());
    assert_eq!(
        errors,
        vec![
            (
                "UNAUTHENTICATED".to_string(),
                json!(["accounts", 0, "balance"])
            ),
            (
                "UNAUTHENTICATED".to_string(),
                json!(["accounts", 1, "balance"])
            ),
            ("UNAUTHENTICATED".to_string(), json!(["secret"])),
        ]
    );
    let asked = vault.seen.lock().unwrap().len();
    assert_eq!(asked, 1, "one subgraph request for the allowed fields");
}

#[tokio::test]
async fn customers_get_forbidden_for_admin_fields_and_the_rest_answered() {
    let vault = auth::start().await;
    let token = vault.token(Role::Customer);
    let (status, body) = post(&vault, Some(&token), "{ secret membersOnly motto }").await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"],
        json!({"secret": null, "membersOnly": "members", "motto": "open to all"})
    );
    assert_eq!(
        codes(&body),
        vec![("FORBIDDEN".to_string(), json!(["secret"]))]
    );
    // Only restricted fields: nothing is left for the subgraph, which is not called.
    let before = vault.subgraph_requests();
    let (_, body) = post(&vault, Some(&token), "{ secret }").await;
    assert_eq!(body["data"], json!({"secret": null}));
    assert_eq!(
        codes(&body),
        vec![("FORBIDDEN".to_string(), json!(["secret"]))]
    );
    assert_eq!(vault.subgraph_requests(), before);
    // The same text planned for an admin afterwards is not served the customer's filtered plan.
    let admin = vault.token(Role::Admin);
    let (_, body) = post(&vault, Some(&admin), "{ secret membersOnly motto }").await;
    assert_eq!(body["data"]["secret"], "the vault code");
    assert!(body.get("errors").is_none(), "{body}");
}

#[tokio::test]
async fn subgraphs_get_the_verified_token_and_the_client_ip_but_no_client_identity_header() {
    let vault = auth::start().await;
    let token = vault.token(Role::Customer);
    let query = r#"{
        authorization: header(name: "authorization")
        forwardedFor: header(name: "x-forwarded-for")
        userId: header(name: "x-user-id")
    }"#;
    let (status, body) = post_with(
        &vault,
        Some(&token),
        query,
        &[
            ("x-user-id", "someone-else"),
            ("x-forwarded-for", "203.0.113.9"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["authorization"], format!("Bearer {token}"));
    assert_eq!(body["data"]["forwardedFor"], "203.0.113.9, 127.0.0.1");
    assert_eq!(body["data"]["userId"], Value::Null);
    // Anonymous: no Authorization reaches the subgraph, the client IP still does.
    let (_, body) = post(&vault, None, query).await;
    assert_eq!(body["data"]["authorization"], Value::Null);
    assert_eq!(body["data"]["forwardedFor"], "127.0.0.1");
}
