use mart_auth::{JwksOptions, Verifier};
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn the_jwks_is_served_and_verifies_issued_tokens() {
    let service = TestService::start("users_jwks").await;
    let response = service.get("/.well-known/jwks.json").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/jwk-set+json"
    );
    let jwks: Value = response.json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert_eq!(key["alg"], "EdDSA");
    assert_eq!(key["use"], "sig");
    assert!(key.get("d").is_none(), "no private part: {key}");

    let (id, token, _) = service.customer(&unique_email("jwks")).await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::EdDSA);
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());

    // What every other subgraph does: verify against the URL.
    let verifier = Verifier::with_jwks_url(
        mart_service::identity::verifier_settings(&service.config),
        format!("{}/.well-known/jwks.json", service.origin),
        JwksOptions::default(),
    );
    let claims = verifier.verify(&token).await.unwrap();
    assert_eq!(claims.sub, id);
    assert_eq!(claims.scope, "customer");
    assert_eq!(claims.iss, "mart-users");
    assert_eq!(claims.aud, "mart");
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_survive_a_restart() {
    let service = TestService::start("users_restart").await;
    let email = unique_email("durable");
    let (id, token, _) = service.customer(&email).await;
    let key_file = service.config.signing_key_path();
    assert!(key_file.starts_with(service.key_dir()));
    assert!(key_file.exists(), "the development key is kept on disk");
    let config = service.halt().await;

    let restarted = TestService::start_with(config).await;
    let me = restarted.ok(ME, json!({}), Some(&token)).await;
    assert_eq!(me["me"]["id"], id.as_str());
    restarted.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn access_tokens_expire_after_the_configured_lifetime() {
    let mut config = test_config("users_expiry");
    config.auth.access_token_ttl = std::time::Duration::from_secs(1);
    config.auth.leeway = std::time::Duration::ZERO;
    let service = TestService::start_with(config).await;
    let (id, token, refresh) = service.customer(&unique_email("brief")).await;
    let me = service.ok(ME, json!({}), Some(&token)).await;
    assert_eq!(me["me"]["id"], id.as_str(), "valid at first");

    mart_service::testkit::eventually(
        "the access token to expire",
        std::time::Duration::from_secs(10),
        || async {
            let body = service.gql(ME, json!({}), Some(&token)).await;
            (body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
                && body["data"] == json!(null))
            .then_some(())
        },
    )
    .await;
    // The refresh token still gets a fresh one.
    let data = service.ok(REFRESH, json!({ "token": refresh }), None).await;
    let fresh = token_of(&data["refreshToken"]);
    assert_eq!(
        service.ok(ME, json!({}), Some(&fresh)).await["me"]["id"],
        id.as_str()
    );
    service.stop().await;
}
