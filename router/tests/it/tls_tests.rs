//! The router calls a subgraph over `https://` (and subscribes over `wss://`): with a
//! certificate from a private CA generated here, trusted through `tls_ca_file`
//! (`MART_ROUTER_TLS_CA_FILE`); without it the certificate is refused, as any unknown
//! issuer's.

use async_graphql::{EmptyMutation, Object, Schema, Subscription};
use async_graphql_axum::{GraphQL, GraphQLSubscription};
use axum::Router;
use axum::routing::{get_service, post_service};
use futures::Stream;
use mart_service::testkit::tls::{self, TestCa};
use serde_json::json;

use crate::harness::{Subgraph, client, compose, test_config, write_supergraph};

const SDL: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { hello: String! }
type Subscription { ticks: Int! }
"#;

struct Hello;

#[Object]
impl Hello {
    async fn hello(&self) -> &str {
        "over TLS"
    }
}

struct Ticks;

#[Subscription]
impl Ticks {
    async fn ticks(&self) -> impl Stream<Item = i32> {
        futures::stream::iter(1..=3)
    }
}

/// Serves the subgraph over TLS with a certificate `ca` issued; its `https://localhost`
/// URL.
async fn serve_over_tls(ca: &TestCa) -> String {
    let schema = Schema::build(Hello, EmptyMutation, Ticks)
        .enable_federation()
        .finish();
    let app = Router::new().route(
        "/graphql",
        post_service(GraphQL::new(schema.clone()))
            .merge(get_service(GraphQLSubscription::new(schema))),
    );
    let port = tls::serve(app, ca).await;
    format!("https://localhost:{port}/graphql")
}

/// `{ hello }` and `subscription { ticks }` (as SSE) through a router over the subgraph.
async fn through_router(
    tls_ca_file: Option<std::path::PathBuf>,
    url: String,
) -> (serde_json::Value, String) {
    let supergraph = compose(&[Subgraph {
        name: "hello",
        url,
        sdl: SDL,
    }]);
    let mut config = test_config(write_supergraph(&supergraph));
    config.tls_ca_file = tls_ca_file;
    let router = mart_router::start(config).await.unwrap();
    let body = client()
        .post(router.graphql_url())
        .json(&json!({ "query": "{ hello }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // A subscription: the router opens wss:// to the subgraph and relays its events (SSE
    // here), until the subgraph completes the stream.
    let events = client()
        .post(router.graphql_url())
        .header("accept", "text/event-stream")
        .json(&json!({ "query": "subscription { ticks }" }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    router.stop().await.unwrap();
    (body, events)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_https_subgraph_is_reached_with_its_ca_trusted_and_refused_without() {
    let ca = TestCa::new("Mart test CA");
    let url = serve_over_tls(&ca).await;
    let ca_file = ca.write_pem(&std::env::temp_dir());

    let (trusted, events) = through_router(Some(ca_file.clone()), url.clone()).await;
    assert_eq!(trusted, json!({ "data": { "hello": "over TLS" } }));
    for tick in 1..=3 {
        let event = format!("data: {}", json!({ "data": { "ticks": tick } }));
        assert!(events.contains(&event), "{event} in {events}");
    }

    // The web PKI alone does not know this CA: the subgraph cannot be reached, and the
    // client is told so without the network's details.
    let (unknown, events) = through_router(None, url).await;
    assert!(!events.contains("ticks"), "{events}");
    let message = unknown["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(unknown["data"].is_null(), "{unknown:#}");
    assert!(message.contains("could not be reached"), "{unknown:#}");
    let _ = std::fs::remove_file(&ca_file);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ca_file_that_is_not_pem_stops_the_router_at_start() {
    let file = std::env::temp_dir().join(format!("mart-test-bad-ca-{}.pem", std::process::id()));
    std::fs::write(&file, "not a certificate").unwrap();
    let supergraph = compose(&[Subgraph {
        name: "hello",
        url: "https://localhost:1/graphql".into(),
        sdl: SDL,
    }]);
    let mut config = test_config(write_supergraph(&supergraph));
    config.tls_ca_file = Some(file.clone());
    let error = mart_router::start(config).await.err().expect("refused");
    assert!(
        error.to_string().contains("MART_ROUTER_TLS_CA_FILE"),
        "{error}"
    );
    let _ = std::fs::remove_file(&file);
}
