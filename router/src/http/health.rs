//! `/health` (the process serves; each subgraph's last probe), `/ready` (supergraph loaded
//! and serving) and `/metrics` (Prometheus text format).
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::state::RouterState;

/// How often the subgraphs are probed.
pub const PROBE_INTERVAL: Duration = Duration::from_secs(5);
/// How long one connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// 200 while the process serves, with the last probe of each subgraph: `"status": "warn"`
/// when one could not be reached (still 200: a liveness probe must not restart a router
/// for a subgraph's outage).
pub async fn health(State(state): State<Arc<RouterState>>) -> Response {
    let probed = state.pipeline.metrics.reachability.snapshot();
    let all_reachable = probed.values().all(|reachable| *reachable);
    let subgraphs: serde_json::Map<String, serde_json::Value> = probed
        .into_iter()
        .map(|(name, reachable)| {
            let word = if reachable {
                "reachable"
            } else {
                "unreachable"
            };
            (name, json!(word))
        })
        .collect();
    let status = if all_reachable { "pass" } else { "warn" };
    Json(json!({"status": status, "subgraphs": subgraphs})).into_response()
}

/// "Supergraph loaded and serving": the router listens only once a valid supergraph is
/// loaded, and a reload keeps the old one until a new one is valid, so answering at all
/// means ready. A subgraph that is down does not make the router unready: it still answers
/// everything that does not need that subgraph (`/health` and a metric say which is down),
/// and a load balancer that dropped every router for one subgraph's outage would take
/// those answers away too.
pub async fn ready() -> Response {
    Json(json!({"status": "ready"})).into_response()
}

/// Probes every subgraph of the current supergraph every [`PROBE_INTERVAL`], the first
/// time at once, into `mart_router_subgraph_reachable` and `/health`; runs until aborted.
pub async fn probe_subgraphs(state: Arc<RouterState>) {
    let mut ticks = tokio::time::interval(PROBE_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let generation = state.pipeline.generations.current();
        let checks = generation
            .supergraph
            .endpoints
            .iter()
            .map(|(name, endpoint)| {
                let uri = endpoint.uri.clone();
                let name = name.clone();
                async move { (name, connects(uri).await) }
            });
        let results = futures::future::join_all(checks).await;
        state.pipeline.metrics.reachability.record(results);
    }
}

async fn connects(uri: Option<hyper::Uri>) -> bool {
    let Some(uri) = uri else {
        return false;
    };
    let Some(host) = uri.host() else {
        return false;
    };
    let default_port = if uri.scheme_str() == Some("https") {
        443
    } else {
        80
    };
    let port = uri.port_u16().unwrap_or(default_port);
    let connect = tokio::net::TcpStream::connect((host, port));
    matches!(
        tokio::time::timeout(CONNECT_TIMEOUT, connect).await,
        Ok(Ok(_))
    )
}

pub async fn metrics(State(state): State<Arc<RouterState>>) -> Response {
    let mut response = state.pipeline.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}
