//! Test harness: real async-graphql subgraphs on 127.0.0.1:0, supergraphs composed with
//! `schema/compose.mjs`, and the router started on port 0.
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::{ObjectType, Schema, SubscriptionType};
use async_graphql_axum::GraphQL;
use axum::Router;
use axum::routing::post_service;
use mart_router::{RouterConfig, RunningRouter};
use serde_json::{Value, json};

/// Serves an async-graphql schema at `http://ADDR/graphql` until the test process ends.
pub async fn serve_subgraph<Q, M, S>(schema: Schema<Q, M, S>) -> String
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let app = Router::new().route("/graphql", post_service(GraphQL::new(schema)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a subgraph port");
    let addr = listener.local_addr().expect("subgraph address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/graphql")
}

/// A URL nobody listens on. The port stays bound (without `listen`) for the
/// life of the test process, so a connection is refused and no server started
/// later by a parallel test can be handed the same port.
pub fn closed_port_url() -> String {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("address"))
        .expect("bind");
    let addr: SocketAddr = socket.local_addr().expect("addr");
    // Dropping it would free the port for reuse; the process exit closes it.
    std::mem::forget(socket);
    format!("http://{addr}/graphql")
}

pub struct Subgraph<'a> {
    pub name: &'a str,
    pub url: String,
    pub sdl: &'a str,
}

fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema")
}

fn scratch_dir() -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "mart-router-it-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Installs the composition tool once per test run when `./dev test` has not already.
fn ensure_composer() {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(|| {
        let installed = schema_dir().join("node_modules/@theguild/federation-composition");
        if !installed.exists() {
            let status = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--prefix"])
                .arg(schema_dir())
                .status()
                .expect("run npm ci for schema/");
            assert!(status.success(), "npm ci --prefix schema failed");
        }
    });
}

/// Composes the subgraphs with the project's composition script; returns the supergraph SDL.
pub fn compose(subgraphs: &[Subgraph<'_>]) -> String {
    ensure_composer();
    let dir = scratch_dir();
    let mut entries = Vec::new();
    for subgraph in subgraphs {
        let file = format!("{}.graphql", subgraph.name);
        std::fs::write(dir.join(&file), subgraph.sdl).expect("write SDL");
        entries.push(json!({"name": subgraph.name, "url": subgraph.url, "sdl": file}));
    }
    let manifest = dir.join("manifest.json");
    std::fs::write(&manifest, json!({"subgraphs": entries}).to_string()).expect("write manifest");
    let output = Command::new("node")
        .arg(schema_dir().join("compose.mjs"))
        .arg(&manifest)
        .output()
        .expect("run node schema/compose.mjs");
    assert!(
        output.status.success(),
        "composition failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 supergraph")
}

pub fn write_supergraph(sdl: &str) -> PathBuf {
    let path = scratch_dir().join("supergraph.graphql");
    std::fs::write(&path, sdl).expect("write supergraph");
    path
}

pub fn test_config(supergraph_path: PathBuf) -> RouterConfig {
    RouterConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        supergraph_path,
        hot_reload: false,
        subgraph_timeout_ms: 5_000,
        // As `./dev up` runs it; production_defaults_hide_the_schema_and_the_playground
        // checks the defaults.
        introspection: true,
        playground: true,
        ..RouterConfig::default()
    }
}

pub async fn start_router(supergraph_sdl: &str) -> RunningRouter {
    let path = write_supergraph(supergraph_sdl);
    mart_router::start(test_config(path))
        .await
        .expect("router starts")
}

/// POSTs an operation and returns the JSON body.
pub async fn query(router: &RunningRouter, query: &str, variables: Value) -> Value {
    let response = client()
        .post(router.graphql_url())
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .expect("router answers");
    assert_eq!(response.status(), 200, "status for {query}");
    response.json().await.expect("JSON body")
}

/// POSTs an operation and returns the raw body, to check the order of keys.
pub async fn query_text(router: &RunningRouter, query: &str) -> String {
    client()
        .post(router.graphql_url())
        .json(&json!({"query": query}))
        .send()
        .await
        .expect("router answers")
        .text()
        .await
        .expect("body")
}

pub fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(reqwest::Client::new)
}

/// The router's `/metrics` text.
pub async fn metrics(router: &mart_router::RunningRouter) -> String {
    client()
        .get(format!("http://{}/metrics", router.addr))
        .send()
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("metrics body")
}
