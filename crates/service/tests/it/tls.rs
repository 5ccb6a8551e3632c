//! The services' HTTPS calls: a subgraph call (`GraphqlClient`) and the JWKS fetch, to a
//! server whose certificate a private CA generated here issued. Refused while the CA is
//! unknown, answered once it is trusted (`MART_TLS_CA_FILE` does this at start).

use std::sync::Arc;

use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
use async_graphql_axum::GraphQL;
use axum::Router;
use axum::routing::{get, post_service};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use mart_auth::{KeySet, Role, SigningKey, TokenIssuer, TokenSettings, Verifier, VerifierSettings};
use mart_service::upstream::{CallPolicy, GraphqlClient, UpstreamError};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{Value, json};

struct Hello;

#[Object]
impl Hello {
    async fn hello(&self) -> &str {
        "over TLS"
    }
}

/// Serves `app` over TLS with a certificate for `localhost` from a new CA; the port and
/// the CA's PEM.
async fn serve_over_tls(app: Router) -> (u16, String) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "Mart test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca_cert, &ca_key)
        .unwrap();
    #[allow(deprecated)] // ring, as the clients use (router/src/subgraph/tls.rs)
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::from(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, app) = (acceptor.clone(), app.clone());
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake here.
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), TowerToHyperService::new(app))
                    .await;
            });
        }
    });
    (port, ca_cert.pem())
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
    let (port, ca_pem) = serve_over_tls(app).await;
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

    let ca_file = std::env::temp_dir().join(format!("mart-service-ca-{port}.pem"));
    std::fs::write(&ca_file, ca_pem).unwrap();
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
