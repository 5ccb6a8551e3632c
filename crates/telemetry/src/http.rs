//! Every HTTP request counted and timed, by route, GraphQL operation and status:
//! `mart_http_requests_total` and `mart_http_request_duration_seconds` (time to the
//! response's head; a subscription's stream is not counted in it).

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::Registry;
use crate::labels::OperationNames;

pub const REQUESTS: &str = "mart_http_requests_total";
pub const DURATION: &str = "mart_http_request_duration_seconds";

/// The operation a GraphQL handler executed, as the client named it: put in the
/// response's extensions so that [`track`] can label the request with it.
#[derive(Clone, Debug)]
pub struct GraphqlOperation(pub Option<String>);

/// The state of [`track`].
#[derive(Clone)]
pub struct HttpMetrics {
    registry: Registry,
    service: &'static str,
    names: OperationNames,
}

impl HttpMetrics {
    pub fn new(registry: Registry, service: &'static str) -> Self {
        registry.describe_counter(
            REQUESTS,
            "HTTP requests answered, by route, GraphQL operation and status",
        );
        registry.describe_histogram(
            DURATION,
            "Time from a request's arrival to its response's head, in seconds",
        );
        Self {
            registry,
            service,
            names: OperationNames::default(),
        }
    }
}

/// Middleware (`axum::middleware::from_fn_with_state`): counts and times the request.
pub async fn track(State(metrics): State<HttpMetrics>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    let operation = match response.extensions().get::<GraphqlOperation>() {
        Some(GraphqlOperation(name)) => metrics.names.label(name.as_deref()),
        None => String::new(),
    };
    let status = response.status().as_u16().to_string();
    let labels = [
        ("service", metrics.service),
        ("route", route.as_str()),
        ("operation", operation.as_str()),
    ];
    metrics
        .registry
        .histogram(DURATION, &labels)
        .record(started.elapsed().as_secs_f64());
    let [service, route, operation] = labels;
    metrics
        .registry
        .counter(REQUESTS, &[service, route, operation, ("status", &status)])
        .increment(1);
    response
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::{get, post};
    use tower::ServiceExt;

    use super::*;

    async fn graphql() -> Response {
        let mut response = Response::new(Body::from("{}"));
        response
            .extensions_mut()
            .insert(GraphqlOperation(Some("PlaceOrder".into())));
        response
    }

    #[tokio::test]
    async fn counts_requests_by_route_operation_and_status() {
        let registry = Registry::new();
        let app = Router::new()
            .route("/graphql", post(graphql))
            .route("/health", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn_with_state(
                HttpMetrics::new(registry.clone(), "orders"),
                track,
            ));
        for (method, uri) in [
            ("POST", "/graphql"),
            ("POST", "/graphql"),
            ("GET", "/health"),
            ("GET", "/nope"),
        ] {
            let request = Request::builder()
                .method(method)
                .uri(uri)
                .body(Body::empty())
                .unwrap();
            let response = app.clone().oneshot(request).await.unwrap();
            assert_ne!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        }
        let text = registry.render();
        assert!(
            text.contains(
                "mart_http_requests_total{service=\"orders\",route=\"/graphql\",operation=\"PlaceOrder\",status=\"200\"} 2"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "mart_http_requests_total{service=\"orders\",route=\"/health\",operation=\"\",status=\"200\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "mart_http_requests_total{service=\"orders\",route=\"unmatched\",operation=\"\",status=\"404\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "mart_http_request_duration_seconds_count{service=\"orders\",route=\"/graphql\",operation=\"PlaceOrder\"} 2"
            ),
            "{text}"
        );
    }
}
