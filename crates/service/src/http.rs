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
    checks: Vec<(&'static str, Arc<dyn ReadinessCheck>)>,
}

impl Readiness {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, name: &'static str, check: impl ReadinessCheck) -> Self {
        self.checks.push((name, Arc::new(check)));
        self
    }

    /// Runs every check concurrently; `true` when all passed.
    pub async fn run(&self) -> (bool, Value) {
        let results = futures::future::join_all(self.checks.iter().map(|(name, check)| async {
            let outcome = tokio::time::timeout(Duration::from_secs(3), check.check()).await;
            let status = match outcome {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(e),
                Err(_) => Err("timed out after 3s".to_string()),
            };
            (*name, status)
        }))
        .await;
        let ready = results.iter().all(|(_, r)| r.is_ok());
        let detail: serde_json::Map<String, Value> = results
            .into_iter()
            .map(|(name, r)| {
                let v = match r {
                    Ok(()) => json!("ok"),
                    Err(e) => json!({ "error": e }),
                };
                (name.to_string(), v)
            })
            .collect();
        (ready, Value::Object(detail))
    }
}

/// `/health` answers while the process is up; `/ready` answers 200 only when every
/// dependency is reachable, 503 otherwise.
pub fn probe_routes(readiness: Readiness) -> Router {
    Router::new()
        .route("/health", get(|| async { Json(json!({ "status": "ok" })) }))
        .route("/ready", get(ready))
        .with_state(readiness)
}

async fn ready(State(readiness): State<Readiness>) -> (StatusCode, Json<Value>) {
    let (ok, checks) = readiness.run().await;
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({ "status": if ok { "ready" } else { "unavailable" }, "checks": checks });
    (status, Json(body))
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
