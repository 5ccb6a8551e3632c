//! The HTTP side every service shares: `/health`, `/ready`, serving until shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// One dependency a service needs before it can serve traffic.
pub trait ReadinessCheck: Send + Sync + 'static {
    fn check(&self) -> CheckFuture<'_>;
}

impl ReadinessCheck for crate::db::Database {
    fn check(&self) -> CheckFuture<'_> {
        Box::pin(async move { self.ping().await.map_err(|e| e.to_string()) })
    }
}

/// The named checks `/ready` runs, each with a time limit so a probe never hangs.
#[derive(Clone, Default)]
pub struct Readiness {
    checks: Vec<(&'static str, Arc<dyn ReadinessCheck>, Severity)>,
}

/// What a failing check makes of the service.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Severity {
    /// Cannot serve: `unavailable`.
    Required,
    /// Serves, but something behind it is stuck: `degraded`.
    Degrading,
}

impl Readiness {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, name: &'static str, check: impl ReadinessCheck) -> Self {
        self.checks
            .push((name, Arc::new(check), Severity::Required));
        self
    }

    /// A check whose failure reports the service `degraded` rather than
    /// `unavailable` (both answer 503).
    pub fn with_degrading(mut self, name: &'static str, check: impl ReadinessCheck) -> Self {
        self.checks
            .push((name, Arc::new(check), Severity::Degrading));
        self
    }

    /// Runs every check concurrently: the overall status (`ready`,
    /// `degraded` or `unavailable`) and each check's outcome.
    pub async fn run(&self) -> (&'static str, Value) {
        let results =
            futures::future::join_all(self.checks.iter().map(|(name, check, severity)| async {
                let outcome = tokio::time::timeout(Duration::from_secs(3), check.check()).await;
                let status = match outcome {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => Err(e),
                    Err(_) => Err("timed out after 3s".to_string()),
                };
                (*name, status, *severity)
            }))
            .await;
        let failed = |s: Severity| results.iter().any(|(_, r, sev)| r.is_err() && *sev == s);
        let status = if failed(Severity::Required) {
            "unavailable"
        } else if failed(Severity::Degrading) {
            "degraded"
        } else {
            "ready"
        };
        let detail: serde_json::Map<String, Value> = results
            .into_iter()
            .map(|(name, r, _)| {
                let v = match r {
                    Ok(()) => json!("ok"),
                    Err(e) => json!({ "error": e }),
                };
                (name.to_string(), v)
            })
            .collect();
        (status, Value::Object(detail))
    }
}

/// `/health` answers while the process is up; `/ready` answers 200 only when every
/// dependency is reachable and nothing behind the service is stuck, 503
/// otherwise (with `status` `unavailable` or `degraded`).
pub fn probe_routes(readiness: Readiness) -> Router {
    Router::new()
        .route("/health", get(|| async { Json(json!({ "status": "ok" })) }))
        .route("/ready", get(ready))
        .with_state(readiness)
}

async fn ready(State(readiness): State<Readiness>) -> (StatusCode, Json<Value>) {
    let (status, checks) = readiness.run().await;
    let code = if status == "ready" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(json!({ "status": status, "checks": checks })))
}

/// What `/metrics` shows of a service.
pub struct MetricsSources {
    pub service: &'static str,
    /// HTTP requests, pool waits, saga outcomes: everything recorded through the
    /// `metrics` crate.
    pub registry: mart_telemetry::Registry,
    pub pipeline: Arc<mart_events::PipelineHealth>,
    pub upkeep: Arc<crate::upkeep::UpkeepStats>,
    pub reclaim: Arc<crate::memory::ReclaimStats>,
    pub db: crate::db::Database,
}

/// `/metrics` in Prometheus' text format, all through the service's registry: what is
/// counted as it happens (requests, pool waits, saga outcomes) and what is read at the
/// scrape (the pool, the event pipeline, table upkeep, pool reclaim, the heap);
/// docs/operations.md names each series.
pub fn metrics_route(sources: MetricsSources) -> Router {
    let registry = &sources.registry;
    crate::db::Database::describe_pool(registry);
    mart_events::PipelineHealth::describe(registry);
    crate::upkeep::UpkeepStats::describe(registry);
    crate::memory::ReclaimStats::describe(registry);
    let sources = Arc::new(sources);
    Router::new().route(
        "/metrics",
        get(move || async move {
            let s = &sources;
            // What is read rather than counted is set now, as of this scrape.
            s.db.record_pool(&s.registry, s.service);
            s.pipeline.record(&s.registry, s.service, s.db.pool()).await;
            s.upkeep.record(&s.registry, s.service);
            s.reclaim.record(&s.registry, s.service);
            let body = s.registry.render();
            (
                [(
                    axum::http::header::CONTENT_TYPE,
                    "text/plain; version=0.0.4; charset=utf-8",
                )],
                body,
            )
        }),
    )
}

/// A running server and the background tasks that belong to it.
pub struct ServiceHandle {
    pub name: String,
    pub addr: SocketAddr,
    pub tasks: Vec<JoinHandle<()>>,
}

impl ServiceHandle {
    /// Waits for the server and its tasks to finish (after shutdown was requested).
    pub async fn join(self) {
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Serves `app` on `listener` until `shutdown` is cancelled, then drains open
/// requests. Returns at once with the bound address.
pub fn spawn_server(
    name: &str,
    listener: TcpListener,
    app: Router,
    shutdown: CancellationToken,
) -> std::io::Result<ServiceHandle> {
    let addr = listener.local_addr()?;
    tracing::info!(service = name, "listening on http://{addr}");
    let task_name = name.to_string();
    let task = tokio::spawn(async move {
        // Connect info lets handlers see the caller's address (rate limits per IP).
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::error!(service = task_name, error = %e, "server stopped with an error");
        }
    });
    Ok(ServiceHandle {
        name: name.to_string(),
        addr,
        tasks: vec![task],
    })
}

/// Binds `addr`, naming it in the error when the port is taken.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))
}

/// Runs the request in its `traceparent`'s trace context, so the events it writes carry
/// it ([`mart_events::trace`]). With traces exported, the request is a server span of
/// `service`, child of that `traceparent`, and the events carry this span instead.
pub async fn trace_context(
    axum::extract::State(service): axum::extract::State<&'static str>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use tracing::Instrument;
    let incoming = request
        .headers()
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    // Probes and scrapes are not the shop's work: no spans for them.
    if !mart_telemetry::trace::exporting() || request.uri().path() != "/graphql" {
        return mart_events::trace::scope(incoming, next.run(request)).await;
    }
    let span = tracing::info_span!(
        "request",
        otel.name = %format!("{service} graphql"),
        otel.kind = "server",
        http.route = "/graphql",
        graphql.operation.name = tracing::field::Empty,
        mart.service = service,
    );
    mart_telemetry::trace::set_parent(&span, incoming.as_deref());
    let own = mart_telemetry::trace::traceparent(&span).or(incoming);
    let response = mart_events::trace::scope(own, next.run(request))
        .instrument(span.clone())
        .await;
    let operation = response
        .extensions()
        .get::<mart_telemetry::http::GraphqlOperation>()
        .and_then(|o| o.0.as_deref())
        .unwrap_or("anonymous");
    // The name is known only now (the handler read it); the span's name was fixed when it
    // started, so the operation is an attribute.
    span.record("graphql.operation.name", operation);
    response
}
