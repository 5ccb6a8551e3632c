//! The router's configuration: one typed struct, read from an optional YAML file and then
//! overridden by `MART_ROUTER_*` environment variables. One file per section; `env.rs` maps
//! the variables onto them.
mod auth;
mod env;
mod http;
mod limits;
mod subscriptions;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

pub use auth::AuthConfig;
pub use http::{CorsConfig, CsrfConfig, HeaderRules};
pub use limits::LimitsConfig;
pub use subscriptions::SubscriptionConfig;

/// Everything the router can be configured with. Every field has a default, so an empty YAML
/// file (or none at all) is a valid configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RouterConfig {
    /// Address the HTTP server binds. Default `127.0.0.1:4000`. Env: `MART_ROUTER_LISTEN`.
    pub listen: SocketAddr,
    /// Supergraph SDL file. Default `schema/supergraph.graphql`. Env: `MART_ROUTER_SUPERGRAPH`.
    pub supergraph_path: PathBuf,
    /// Watch the supergraph file and swap in a new, valid version when it changes. Default `true`.
    /// Env: `MART_ROUTER_HOT_RELOAD`.
    pub hot_reload: bool,
    /// How often the supergraph file is checked for changes, in milliseconds. Default `500`.
    pub hot_reload_interval_ms: u64,
    /// Per-subgraph URL overrides (subgraph name → URL), replacing `@join__graph(url:)`.
    /// Default: none. Env: `MART_ROUTER_SUBGRAPH_URL_<NAME>=URL` (name upper-cased).
    pub subgraph_urls: HashMap<String, String>,
    /// Subgraph request timeout in milliseconds, for every subgraph. Default `30000`.
    /// Env: `MART_ROUTER_SUBGRAPH_TIMEOUT_MS`.
    pub subgraph_timeout_ms: u64,
    /// Per-subgraph timeout overrides in milliseconds (subgraph name → ms). Default: none.
    pub subgraph_timeouts_ms: HashMap<String, u64>,
    /// Share one subgraph response between identical in-flight subgraph queries (never
    /// mutations). Default `true`. Env: `MART_ROUTER_DEDUPLICATE`.
    pub deduplicate_subgraph_requests: bool,
    /// Answer identical queries in flight at the same time with one execution: same
    /// operation, variables, caller and propagated headers (never mutations or
    /// subscriptions). Default `true`. Env: `MART_ROUTER_DEDUPLICATE_REQUESTS`.
    pub deduplicate_requests: bool,
    /// Idle keep-alive connections kept per subgraph host. Default `64`.
    pub pool_max_idle_per_host: usize,
    /// Answer introspection queries (`__schema`, `__type`). Default `false`: an outsider
    /// learns the schema only when the operator wants it (`./dev up` turns it on).
    /// Env: `MART_ROUTER_INTROSPECTION`.
    pub introspection: bool,
    /// Serve the GraphiQL playground at `/` (and `GET /graphql` from a browser). Default
    /// `false` (`./dev up` turns it on). Env: `MART_ROUTER_PLAYGROUND`.
    pub playground: bool,
    /// Operation limits; exceeding one yields `extensions.code` `OPERATION_LIMIT_EXCEEDED`.
    pub limits: LimitsConfig,
    /// Number of prepared (parsed, validated, planned) operations kept in the LRU cache.
    /// Default `1024`. Env: `MART_ROUTER_PLAN_CACHE_SIZE`.
    pub plan_cache_size: usize,
    /// Maximum time spent planning one operation, in milliseconds. Default `10000`.
    pub planning_timeout_ms: u64,
    /// Request body limit in bytes. Default `2097152` (2 MiB). Env: `MART_ROUTER_BODY_LIMIT`.
    pub body_limit_bytes: usize,
    /// Signs every subgraph request (`x-mart-signature`) for subgraphs that accept only signed
    /// ones. Default: none. Env: `MART_ROUTER_SUBGRAPH_SECRET`; `mart up` and
    /// `mart serve router` use the services' `MART_SUBGRAPH_SECRET` when it is unset. Never in
    /// the YAML file, whose contents are easier to leak.
    #[serde(skip)]
    pub subgraph_signer: Option<mart_auth::RequestSigner>,
    /// PEM file of the certificate authorities (besides the web PKI's) whose certificates
    /// `https://` subgraphs may present, e.g. a cluster's private CA. Default: none. Env:
    /// `MART_ROUTER_TLS_CA_FILE`.
    pub tls_ca_file: Option<PathBuf>,
    /// Time a request's headers may take, from its first byte (or the connection's start),
    /// before the connection is closed (slowloris). Default `10000`. Env:
    /// `MART_ROUTER_HEADER_READ_TIMEOUT_MS`.
    pub header_read_timeout_ms: u64,
    /// Time a keep-alive connection may sit idle between requests before it is closed.
    /// Default `120000`: longer than common clients keep pooled connections (reqwest and Go
    /// 90 s), so that a client does not send a request on a connection being closed under
    /// it. Env: `MART_ROUTER_IDLE_TIMEOUT_MS`.
    pub idle_timeout_ms: u64,
    /// Time a request may take from its headers to its response's headers, reading its body
    /// included; then 408 `REQUEST_TIMEOUT`. Subscriptions' streams are not limited by it.
    /// Default `60000`. Env: `MART_ROUTER_REQUEST_TIMEOUT_MS`.
    pub request_timeout_ms: u64,
    /// CORS policy. Default: no CORS headers.
    pub cors: CorsConfig,
    /// Cross-site request forgery prevention. Default: on.
    pub csrf: CsrfConfig,
    /// Which client headers are forwarded to subgraphs. Default: none (`traceparent` always is).
    pub headers: HeaderRules,
    /// Access-token verification and `@requiresScopes` / `@authenticated` enforcement.
    /// Default: off (no `jwks_url`).
    pub auth: AuthConfig,
    /// Subscriptions over WebSocket, SSE and multipart HTTP.
    pub subscriptions: SubscriptionConfig,
}

impl Default for RouterConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 4000)),
            supergraph_path: PathBuf::from("schema/supergraph.graphql"),
            hot_reload: true,
            hot_reload_interval_ms: 500,
            subgraph_urls: HashMap::new(),
            subgraph_timeout_ms: 30_000,
            subgraph_timeouts_ms: HashMap::new(),
            deduplicate_subgraph_requests: true,
            deduplicate_requests: true,
            pool_max_idle_per_host: 64,
            introspection: false,
            playground: false,
            limits: LimitsConfig::default(),
            plan_cache_size: 1024,
            planning_timeout_ms: 10_000,
            body_limit_bytes: 2 * 1024 * 1024,
            subgraph_signer: None,
            tls_ca_file: None,
            header_read_timeout_ms: 10_000,
            idle_timeout_ms: 120_000,
            request_timeout_ms: 60_000,
            cors: CorsConfig::default(),
            csrf: CsrfConfig::default(),
            headers: HeaderRules::default(),
            auth: AuthConfig::default(),
            subscriptions: SubscriptionConfig::default(),
        }
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: serde_yaml::Error,
    },
    #[error("invalid value for environment variable {name}: {value:?}")]
    Env { name: String, value: String },
    #[error(
        "unknown environment variable {name}: the router reads only the MART_ROUTER_* names \
         listed in router/README.md"
    )]
    UnknownEnv { name: String },
}

impl RouterConfig {
    /// Reads the YAML file (when given) and applies `MART_ROUTER_*` environment overrides.
    pub fn load(config_file: Option<&Path>) -> Result<RouterConfig, ConfigError> {
        let mut config = match config_file {
            Some(path) => Self::from_yaml_file(path)?,
            None => RouterConfig::default(),
        };
        config.apply_env(std::env::vars())?;
        Ok(config)
    }

    fn from_yaml_file(path: &Path) -> Result<RouterConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        if text.trim().is_empty() {
            return Ok(RouterConfig::default());
        }
        serde_yaml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_path_buf(),
            source,
        })
    }

    pub(crate) fn subgraph_timeout(&self, subgraph: &str) -> Duration {
        let ms = self
            .subgraph_timeouts_ms
            .get(subgraph)
            .copied()
            .unwrap_or(self.subgraph_timeout_ms);
        Duration::from_millis(ms)
    }

    /// The URL override for a subgraph; env-provided names are lower-cased, so match both ways.
    pub(crate) fn subgraph_url_override(&self, subgraph: &str) -> Option<&str> {
        self.subgraph_urls
            .get(subgraph)
            .or_else(|| self.subgraph_urls.get(&subgraph.to_ascii_lowercase()))
            .map(String::as_str)
    }
}
