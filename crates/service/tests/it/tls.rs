//! The services' HTTPS calls: a subgraph call (`GraphqlClient`) and the JWKS fetch, to a
//! server whose certificate a private CA generated here issued. Refused while the CA is
//! unknown, answered once it is trusted (`MART_TLS_CA_FILE` does this at start).

use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
use async_graphql_axum::GraphQL;
use axum::Router;
use axum::routing::{get, post_service};
use mart_auth::{KeySet, Role, SigningKey, TokenIssuer, TokenSettings, Verifier, VerifierSettings};
use mart_service::testkit::tls::{self, TestCa};
use mart_service::upstream::{CallPolicy, GraphqlClient, UpstreamError};
use serde_json::{Value, json};

struct Hello;

#[Object]
impl Hello {
    async fn hello(&self) -> &str {
        "over TLS"
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn subgraph_calls_and_the_jwks_go_over_https_once_the_private_ca_is_trusted() {
    let (key, _) = SigningKey::generate_ed25519().unwrap();
    let issuer = TokenIssuer::new(
        KeySet::new(key),
        TokenSettings {
            issuer: "mart-users".into(),
            audience: "mart".into(),
            access_token_ttl: std::time::Duration::from_secs(900),
        },
    );
    let jwks = issuer.keys().jwks();
    let schema = Schema::build(Hello, EmptyMutation, EmptySubscription).finish();
    let app = Router::new()
        .route("/graphql", post_service(GraphQL::new(schema)))
        .route(
            mart_auth::JWKS_PATH,
            get(move || {
                let jwks = jwks.clone();
                async move { axum::Json(jwks) }
            }),
        );
    let ca = TestCa::new("Mart test CA");
    let port = tls::serve(app, &ca).await;
    let graphql = format!("https://localhost:{port}/graphql");
    let jwks_url = format!("https://localhost:{port}{}", mart_auth::JWKS_PATH);
    let policy = CallPolicy {
        max_attempts: 1,
        ..CallPolicy::default()
    };
    let settings = VerifierSettings {
        issuer: "mart-users".into(),
        audience: "mart".into(),
        leeway: std::time::Duration::from_secs(5),
    };
    let token = issuer.issue(uuid::Uuid::new_v4(), Role::Customer).unwrap();

    // Unknown CA: the call and the key fetch fail (as unavailable, not as an answer).
    let client = GraphqlClient::new("products", graphql.clone(), policy, None);
    let refused = client.query::<Value>("{ hello }", json!({})).await;
    assert!(
        matches!(refused, Err(UpstreamError::Unavailable { .. })),
        "{refused:?}"
    );
    let verifier = Verifier::with_jwks_url(settings.clone(), &jwks_url, Default::default());
    assert!(verifier.verify(&token.token).await.is_err());

    let ca_file = ca.write_pem(&std::env::temp_dir());
    mart_auth::tls::trust_pem_file(&ca_file).unwrap();

    let client = GraphqlClient::new("products", graphql, policy, None);
    let answer: Value = client.query("{ hello }", json!({})).await.unwrap();
    assert_eq!(answer, json!({ "hello": "over TLS" }));
    let verifier = Verifier::with_jwks_url(settings, &jwks_url, Default::default());
    let verified = verifier.verify(&token.token).await;
    assert!(verified.is_ok(), "{verified:?}");
    let _ = std::fs::remove_file(&ca_file);
}

#[test]
fn a_ca_file_without_certificates_is_refused() {
    let file = std::env::temp_dir().join(format!("mart-service-bad-ca-{}.pem", std::process::id()));
    std::fs::write(&file, "not a certificate").unwrap();
    let error = mart_auth::tls::trust_pem_file(&file).unwrap_err();
    assert!(error.to_string().contains("MART_TLS_CA_FILE"), "{error}");
    let _ = std::fs::remove_file(&file);
}
