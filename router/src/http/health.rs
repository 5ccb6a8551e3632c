//! `/health` (the process serves), `/ready` (supergraph loaded and every subgraph accepts
//! connections) and `/metrics` (Prometheus text format).
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::state::RouterState;

pub async fn health() -> Response {
    Json(json!({"status": "pass"})).into_response()
}

pub async fn ready(State(state): State<Arc<RouterState>>) -> Response {
    let generation = state.pipeline.generations.current();
    let supergraph = &generation.supergraph;
    let checks = supergraph.endpoints.iter().map(|(name, endpoint)| {
        let uri = endpoint.uri.as_ref();
        let host = uri.and_then(|u| u.host()).unwrap_or("").to_string();
        let default_port = if uri.and_then(|u| u.scheme_str()) == Some("https") {
            443
        } else {
            80
        };
        let port = uri.and_then(|u| u.port_u16()).unwrap_or(default_port);
        let name = name.clone();
        async move {
            let connect = tokio::net::TcpStream::connect((host.as_str(), port));
            let ok = !host.is_empty()
                && matches!(
                    tokio::time::timeout(Duration::from_secs(1), connect).await,
                    Ok(Ok(_))
                );
            (name, ok)
        }
    });
    let results = futures::future::join_all(checks).await;
    let mut unreachable: Vec<String> = results
        .into_iter()
        .filter(|(_, ok)| !ok)
        .map(|(name, _)| name)
        .collect();
    unreachable.sort();
    if unreachable.is_empty() {
        Json(json!({"status": "ready"})).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unready", "unreachableSubgraphs": unreachable})),
        )
            .into_response()
    }
}

pub async fn metrics(State(state): State<Arc<RouterState>>) -> Response {
    let mut response = state.pipeline.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}
