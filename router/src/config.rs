//! The router's configuration: one typed struct, read from an optional YAML file and then
//! overridden by `MART_ROUTER_*` environment variables.
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

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
    /// Time a connection has to send a request's headers before it is closed (slowloris).
    /// Default `10000`. Env: `MART_ROUTER_HEADER_READ_TIMEOUT_MS`.
    pub header_read_timeout_ms: u64,
    /// Time a request may take from its headers to its response's headers, reading its body
    /// included; then 408 `REQUEST_TIMEOUT`. Subscriptions' streams are not limited by it.
    /// Default `60000`. Env: `MART_ROUTER_REQUEST_TIMEOUT_MS`.
    pub request_timeout_ms: u64,
    /// CORS policy. Default: no CORS headers.
    pub cors: CorsConfig,
    /// Which client headers are forwarded to subgraphs. Default: none (`traceparent` always is).
    pub headers: HeaderRules,
    /// Access-token verification and `@requiresScopes` / `@authenticated` enforcement.
    /// Default: off (no `jwks_url`).
    pub auth: AuthConfig,
    /// Subscriptions over WebSocket, SSE and multipart HTTP.
    pub subscriptions: SubscriptionConfig,
}

/// Subscriptions: clients connect over WebSocket (`graphql-transport-ws`, legacy `graphql-ws`)
/// or stream over HTTP (`text/event-stream`, `multipart/mixed`); the router holds one
/// WebSocket to the owning subgraph per client subscription.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SubscriptionConfig {
    /// Accept subscriptions (and WebSocket upgrades) at all. Default `true`.
    /// Env: `MART_ROUTER_SUBSCRIPTIONS`.
    pub enabled: bool,
    /// Interval of keep-alives, in milliseconds: `ping` (graphql-transport-ws) or `ka`
    /// (graphql-ws) to WebSocket clients, an SSE comment, an empty multipart part, and a `ping`
    /// to each subgraph socket (a subgraph silent for two intervals counts as gone).
    /// Default `10000`. Env: `MART_ROUTER_SUBSCRIPTION_KEEPALIVE_MS`.
    pub keepalive_interval_ms: u64,
    /// A WebSocket client that sends nothing for this long, in milliseconds — no message, no
    /// `pong` to the router's `ping`, no answer to the WebSocket ping frame sent with each
    /// keep-alive — is taken for gone and dropped (close 1001), ending its subscriptions and
    /// their subgraph sockets. Default `60000`. Env: `MART_ROUTER_SUBSCRIPTION_CLIENT_TIMEOUT_MS`.
    pub client_timeout_ms: u64,
    /// Time a WebSocket client has to send `connection_init` before it is closed with 4408,
    /// in milliseconds. Default `10000`. Env: `MART_ROUTER_SUBSCRIPTION_INIT_TIMEOUT_MS`.
    pub connection_init_timeout_ms: u64,
    /// Operations running at once on one WebSocket; one more gets an `error` with
    /// `TOO_MANY_SUBSCRIPTIONS`. Default `100`. Env: `MART_ROUTER_SUBSCRIPTION_MAX_PER_CONNECTION`.
    pub max_subscriptions_per_connection: usize,
    /// Messages queued for one client (a WebSocket, or one SSE/multipart response) that it
    /// has not read yet. A client that falls this far behind is dropped: its WebSocket is
    /// closed with 1008, an HTTP stream ends with `SUBSCRIBER_TOO_SLOW`. Default `256`.
    /// Env: `MART_ROUTER_SUBSCRIPTION_QUEUE_CAPACITY`.
    pub client_queue_capacity: usize,
    /// Streams (WebSockets, SSE and multipart responses) one client address may hold open;
    /// more get HTTP 429 `TOO_MANY_CONNECTIONS`. `0`: no cap. Default `128`. Behind a proxy
    /// every client has the proxy's address: raise it there.
    /// Env: `MART_ROUTER_MAX_STREAMS_PER_CLIENT`.
    pub max_streams_per_client: usize,
    /// Streams the router holds open in all. `0`: no cap. Default `10000` (an idle WebSocket
    /// costs ~25 KB, one subscription two sockets). Env: `MART_ROUTER_MAX_STREAMS`.
    pub max_streams: usize,
}

impl Default for SubscriptionConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            keepalive_interval_ms: 10_000,
            client_timeout_ms: 60_000,
            connection_init_timeout_ms: 10_000,
            max_subscriptions_per_connection: 100,
            client_queue_capacity: 256,
            max_streams_per_client: 128,
            max_streams: 10_000,
        }
    }
}

impl SubscriptionConfig {
    pub(crate) fn keepalive_interval(&self) -> Duration {
        Duration::from_millis(self.keepalive_interval_ms.max(10))
    }

    pub(crate) fn client_timeout(&self) -> Duration {
        Duration::from_millis(self.client_timeout_ms.max(10))
    }

    pub(crate) fn connection_init_timeout(&self) -> Duration {
        Duration::from_millis(self.connection_init_timeout_ms)
    }

    pub(crate) fn queue_capacity(&self) -> usize {
        self.client_queue_capacity.max(1)
    }
}

/// Authentication at the router. With `jwks_url` unset nothing is verified and the
/// authorization directives are not enforced (the mode the federation compliance suite runs in).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Where the token signing keys are published (the users service's
    /// `/.well-known/jwks.json`). Default: none, authentication off. Env: `MART_ROUTER_JWKS_URL`.
    pub jwks_url: Option<String>,
    /// Expected `iss` claim. Default (`None`): `mart-users`. Env: `MART_ROUTER_JWT_ISSUER`.
    pub issuer: Option<String>,
    /// Expected `aud` claim. Default (`None`): `mart`. Env: `MART_ROUTER_JWT_AUDIENCE`.
    pub audience: Option<String>,
    /// Clock skew tolerated on `exp`, in seconds. Default `5`. Env: `MART_ROUTER_JWT_LEEWAY_SECS`.
    pub leeway_secs: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            jwks_url: None,
            issuer: None,
            audience: None,
            leeway_secs: 5,
        }
    }
}

impl AuthConfig {
    pub const DEFAULT_ISSUER: &'static str = "mart-users";
    pub const DEFAULT_AUDIENCE: &'static str = "mart";

    pub fn issuer(&self) -> &str {
        self.issuer.as_deref().unwrap_or(Self::DEFAULT_ISSUER)
    }

    pub fn audience(&self) -> &str {
        self.audience.as_deref().unwrap_or(Self::DEFAULT_AUDIENCE)
    }
}

/// Limits checked after parsing, before validation and planning.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Deepest field nesting allowed, fragments expanded. Default `32` (the parser itself
    /// refuses documents nested much deeper).
    pub max_depth: usize,
    /// Most aliases in the executed operation, fragments expanded. Default `256`.
    pub max_aliases: usize,
    /// Most root fields in the executed operation, fragments expanded. Default `64`.
    pub max_root_fields: usize,
    /// Most fields in the executed operation, fragments expanded. Default `2000`.
    pub max_fields: usize,
    /// Most pairs of fields sharing a response name that validation may compare. Default
    /// `20000`: about 35 ms of validation at the slowest measured (~1.7 µs a pair).
    pub max_field_comparisons: usize,
    /// Most lexical tokens in the document. Default `15000`.
    pub max_tokens: usize,
    /// Highest estimated cost (objects subgraphs may have to resolve, lists counted at their
    /// `first`/`last`/`limit`) an operation may have; above it `COST_ESTIMATED_TOO_EXPENSIVE`.
    /// Default `50000`: twice what the public federation benchmark's deep query (seven
    /// nested lists without arguments) is estimated at. Env: `MART_ROUTER_MAX_COST`.
    pub max_cost: u64,
    /// Items assumed for a list field without a `first`/`last`/`limit` argument. Default `10`.
    pub default_list_size: u64,
}

/// Cross-origin resource sharing.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CorsConfig {
    /// Origins allowed to call the router; `["*"]` allows any. Default: empty (CORS off).
    /// Env: `MART_ROUTER_CORS_ORIGINS` (comma separated).
    pub allow_origins: Vec<String>,
    /// Send `Access-Control-Allow-Credentials: true` (not with `*`). Default `false`.
    pub allow_credentials: bool,
}

/// Header propagation from the client request to subgraph requests.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HeaderRules {
    /// Client header names forwarded to every subgraph (case-insensitive). Default: none:
    /// client-supplied identity-looking headers (`X-User-Id`, …) reach no subgraph unless listed
    /// here. With authentication on, the verified `Authorization` is forwarded regardless.
    /// Env: `MART_ROUTER_PROPAGATE_HEADERS` (comma separated).
    pub propagate: Vec<String>,
    /// Static headers added to every subgraph request (name → value). Default: none.
    pub insert: HashMap<String, String>,
    /// Extra headers forwarded per subgraph (subgraph name → header names). Default: none.
    pub propagate_per_subgraph: HashMap<String, Vec<String>>,
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
            pool_max_idle_per_host: 64,
            introspection: false,
            playground: false,
            limits: LimitsConfig::default(),
            plan_cache_size: 1024,
            planning_timeout_ms: 10_000,
            body_limit_bytes: 2 * 1024 * 1024,
            subgraph_signer: None,
            header_read_timeout_ms: 10_000,
            request_timeout_ms: 60_000,
            cors: CorsConfig::default(),
            headers: HeaderRules::default(),
            auth: AuthConfig::default(),
            subscriptions: SubscriptionConfig::default(),
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_depth: 32,
            max_aliases: 256,
            max_root_fields: 64,
            max_fields: 2_000,
            max_field_comparisons: 20_000,
            max_tokens: 15_000,
            max_cost: 50_000,
            default_list_size: 10,
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

    /// Applies `MART_ROUTER_*` overrides from the given variables.
    pub fn apply_env(
        &mut self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), ConfigError> {
        for (name, value) in vars {
            let Some(key) = name.strip_prefix("MART_ROUTER_") else {
                continue;
            };
            let bad = || ConfigError::Env {
                name: name.clone(),
                value: value.clone(),
            };
            match key {
                "LISTEN" => self.listen = value.parse().map_err(|_| bad())?,
                "SUPERGRAPH" => self.supergraph_path = PathBuf::from(&value),
                "HOT_RELOAD" => self.hot_reload = parse_bool(&value).ok_or_else(bad)?,
                "SUBGRAPH_TIMEOUT_MS" => {
                    self.subgraph_timeout_ms = value.parse().map_err(|_| bad())?
                }
                "DEDUPLICATE" => {
                    self.deduplicate_subgraph_requests = parse_bool(&value).ok_or_else(bad)?
                }
                "INTROSPECTION" => self.introspection = parse_bool(&value).ok_or_else(bad)?,
                "PLAYGROUND" => self.playground = parse_bool(&value).ok_or_else(bad)?,
                "PLAN_CACHE_SIZE" => self.plan_cache_size = value.parse().map_err(|_| bad())?,
                "BODY_LIMIT" => self.body_limit_bytes = value.parse().map_err(|_| bad())?,
                "MAX_COST" => self.limits.max_cost = value.parse().map_err(|_| bad())?,
                "SUBGRAPH_SECRET" => self.subgraph_signer = mart_auth::RequestSigner::new(&value),
                "HEADER_READ_TIMEOUT_MS" => {
                    self.header_read_timeout_ms = value.parse().map_err(|_| bad())?
                }
                "REQUEST_TIMEOUT_MS" => {
                    self.request_timeout_ms = value.parse().map_err(|_| bad())?
                }
                "CORS_ORIGINS" => self.cors.allow_origins = split_list(&value),
                "PROPAGATE_HEADERS" => self.headers.propagate = split_list(&value),
                "JWKS_URL" => self.auth.jwks_url = Some(value.clone()).filter(|v| !v.is_empty()),
                "JWT_ISSUER" => self.auth.issuer = Some(value.clone()),
                "JWT_AUDIENCE" => self.auth.audience = Some(value.clone()),
                "JWT_LEEWAY_SECS" => self.auth.leeway_secs = value.parse().map_err(|_| bad())?,
                "SUBSCRIPTIONS" => {
                    self.subscriptions.enabled = parse_bool(&value).ok_or_else(bad)?
                }
                "SUBSCRIPTION_KEEPALIVE_MS" => {
                    self.subscriptions.keepalive_interval_ms = value.parse().map_err(|_| bad())?
                }
                "SUBSCRIPTION_CLIENT_TIMEOUT_MS" => {
                    self.subscriptions.client_timeout_ms = value.parse().map_err(|_| bad())?
                }
                "SUBSCRIPTION_INIT_TIMEOUT_MS" => {
                    self.subscriptions.connection_init_timeout_ms =
                        value.parse().map_err(|_| bad())?
                }
                "SUBSCRIPTION_MAX_PER_CONNECTION" => {
                    self.subscriptions.max_subscriptions_per_connection =
                        value.parse().map_err(|_| bad())?
                }
                "SUBSCRIPTION_QUEUE_CAPACITY" => {
                    self.subscriptions.client_queue_capacity = value.parse().map_err(|_| bad())?
                }
                "MAX_STREAMS_PER_CLIENT" => {
                    self.subscriptions.max_streams_per_client = value.parse().map_err(|_| bad())?
                }
                "MAX_STREAMS" => {
                    self.subscriptions.max_streams = value.parse().map_err(|_| bad())?
                }
                // CONFIG is read by the binaries before the configuration is loaded;
                // PORT and URL belong to the service kit's settings (`mart up`).
                "CONFIG" | "PORT" | "URL" => {}
                _ => match key.strip_prefix("SUBGRAPH_URL_") {
                    Some(subgraph) if !subgraph.is_empty() => {
                        self.subgraph_urls
                            .insert(subgraph.to_ascii_lowercase(), value.clone());
                    }
                    _ => return Err(ConfigError::UnknownEnv { name: name.clone() }),
                },
            }
        }
        Ok(())
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

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}
