//! Binds the HTTP server, wires the routes and runs until shutdown.
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::net::TcpListener;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

use crate::config::RouterConfig;
use crate::http;
use crate::metrics::Metrics;
use crate::pipeline::{Generation, Pipeline};
use crate::reload;
use crate::state::RouterState;

/// Why the router could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum RouterError {
    #[error(transparent)]
    Supergraph(#[from] crate::schema::SupergraphError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("invalid header in configuration: {0}")]
    Header(String),
    #[error(transparent)]
    Tls(#[from] crate::subgraph::tls::TlsError),
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

/// Serves on `config.listen` until `shutdown` completes, then drains in-flight requests.
pub async fn run(
    config: RouterConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RouterError> {
    let listener = bind(config.listen).await?;
    serve(listener, config, shutdown).await
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, RouterError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| RouterError::Bind { addr, source })
}

/// Serves on an already bound listener (tests bind port 0 and read the address first).
pub async fn serve(
    listener: TcpListener,
    config: RouterConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RouterError> {
    let generation = load_generation(&config).await?;
    let tls = crate::subgraph::tls::client_config(config.tls_ca_file.as_deref())?;
    serve_loaded(listener, config, generation, tls, shutdown).await
}

async fn load_generation(config: &RouterConfig) -> Result<Generation, RouterError> {
    let config = config.clone();
    tokio::task::spawn_blocking(move || Generation::from_file(&config))
        .await
        .map_err(|e| RouterError::Serve(std::io::Error::other(e.to_string())))?
        .map_err(RouterError::from)
}

async fn serve_loaded(
    listener: TcpListener,
    config: RouterConfig,
    generation: Generation,
    tls: Arc<rustls::ClientConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RouterError> {
    let addr = listener.local_addr().map_err(RouterError::Serve)?;
    let config = Arc::new(config);
    let metrics = Arc::new(Metrics::default());
    let inserted = inserted_headers(&config)?;
    let pipeline = Pipeline::new(config.clone(), generation, metrics.clone(), inserted, tls);
    let state = Arc::new(RouterState {
        authenticator: crate::auth::verify::Authenticator::from_config(&config.auth),
        shutdown: tokio_util::sync::CancellationToken::new(),
        streams: crate::streams::StreamLimits::new(
            config.subscriptions.max_streams_per_client,
            config.subscriptions.max_streams,
        ),
        pipeline,
    });
    let watcher = config.hot_reload.then(|| {
        tokio::spawn(reload::watch(
            state.pipeline.generations.clone(),
            config.clone(),
            metrics.clone(),
        ))
    });
    let prober = tokio::spawn(http::health::probe_subgraphs(state.clone()));
    let streams = state.shutdown.clone();
    let shutdown = async move {
        shutdown.await;
        streams.cancel();
    };
    let timeouts = crate::serve::Timeouts {
        header_read: Duration::from_millis(config.header_read_timeout_ms.max(1)),
        idle: Duration::from_millis(config.idle_timeout_ms.max(1)),
    };
    let app = routes(state);
    tracing::info!("router listening on http://{addr}");
    let result = crate::serve::serve(listener, app, timeouts, shutdown)
        .await
        .map_err(RouterError::Serve);
    if let Some(watcher) = watcher {
        watcher.abort();
    }
    prober.abort();
    result
}

fn routes(state: Arc<RouterState>) -> Router {
    let body_limit = state.pipeline.config.body_limit_bytes;
    let cors = cors_layer(&state.pipeline.config);
    let router = Router::new()
        .route(
            "/graphql",
            get(http::graphql::get_graphql)
                .post(http::graphql::post_graphql)
                .fallback(http::graphql::method_not_allowed)
                .route_layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    http::authenticate::authenticate,
                ))
                // Outermost: WebSocket upgrades authenticate with `connection_init` instead.
                .route_layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    crate::subscription::ws_server::upgrade_or_pass,
                )),
        )
        .route("/health", get(http::health::health))
        .route("/ready", get(http::health::ready))
        .route("/metrics", get(http::health::metrics));
    let router = if state.pipeline.config.playground {
        router
            .route("/", get(http::playground::index))
            .fallback(http::playground::asset)
    } else {
        router
    };
    let tracked =
        mart_telemetry::http::HttpMetrics::new(state.pipeline.metrics.registry().clone(), "router");
    let router = router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::limits::limit,
        ))
        .layer(DefaultBodyLimit::max(body_limit))
        // Outside the limits, so that refused requests are counted too.
        .layer(axum::middleware::from_fn_with_state(
            tracked,
            mart_telemetry::http::track,
        ))
        .with_state(state);
    match cors {
        Some(cors) => router.layer(cors),
        None => router,
    }
}

fn cors_layer(config: &RouterConfig) -> Option<CorsLayer> {
    let origins = &config.cors.allow_origins;
    if origins.is_empty() {
        return None;
    }
    let layer = CorsLayer::new()
        .allow_methods([
            hyper::Method::GET,
            hyper::Method::POST,
            hyper::Method::OPTIONS,
        ])
        .max_age(Duration::from_secs(600));
    if origins.iter().any(|o| o == "*") {
        return Some(layer.allow_origin(Any).allow_headers(Any));
    }
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    Some(
        layer
            .allow_origin(AllowOrigin::list(list))
            .allow_headers(tower_http::cors::AllowHeaders::mirror_request())
            .allow_credentials(config.cors.allow_credentials),
    )
}

fn inserted_headers(config: &RouterConfig) -> Result<HeaderMap, RouterError> {
    let mut headers = HeaderMap::new();
    for (name, value) in &config.headers.insert {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| RouterError::Header(name.clone()))?;
        let value =
            HeaderValue::from_str(value).map_err(|_| RouterError::Header(name.to_string()))?;
        headers.insert(name, value);
    }
    Ok(headers)
}

/// A router running in the background, for tests and embedding.
pub struct RunningRouter {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), RouterError>>,
}

impl RunningRouter {
    /// `http://ADDR/graphql`
    pub fn graphql_url(&self) -> String {
        format!("http://{}/graphql", self.addr)
    }

    /// `ws://ADDR/graphql`: subscriptions over `graphql-transport-ws` or `graphql-ws`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/graphql", self.addr)
    }

    /// Stops accepting, drains in-flight requests and returns the server's result.
    pub async fn stop(mut self) -> Result<(), RouterError> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.task)
            .await
            .unwrap_or_else(|e| Err(RouterError::Serve(std::io::Error::other(e.to_string()))))
    }
}

impl Drop for RunningRouter {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Binds `config.listen` (port 0 picks a free port), loads the supergraph and serves in a
/// background task; returns once the router accepts requests.
pub async fn start(config: RouterConfig) -> Result<RunningRouter, RouterError> {
    let listener = bind(config.listen).await?;
    let addr = listener.local_addr().map_err(RouterError::Serve)?;
    let generation = load_generation(&config).await?;
    let tls = crate::subgraph::tls::client_config(config.tls_ca_file.as_deref())?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve_loaded(
        listener,
        config,
        generation,
        tls,
        async move {
            let _ = rx.await;
        },
    ));
    Ok(RunningRouter {
        addr,
        shutdown: Some(tx),
        task,
    })
}
