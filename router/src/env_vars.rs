//! Every `MART_ROUTER_*` variable the router reads, in one list: the README table,
//! the docker-compose check and [`crate::RouterConfig::apply_env`] (which refuses a
//! name not in it, so a typo fails at start instead of being ignored) all use it.

/// One environment variable: its name, its default and what it sets.
pub struct RouterEnvVar {
    pub name: &'static str,
    pub default: &'static str,
    pub meaning: &'static str,
}

/// Prefix of the per-subgraph URL overrides, `MART_ROUTER_SUBGRAPH_URL_<NAME>`.
pub const SUBGRAPH_URL_PREFIX: &str = "MART_ROUTER_SUBGRAPH_URL_";

const fn var(name: &'static str, default: &'static str, meaning: &'static str) -> RouterEnvVar {
    RouterEnvVar {
        name,
        default,
        meaning,
    }
}

pub const ENV_VARS: &[RouterEnvVar] = &[
    var(
        "MART_ROUTER_CONFIG",
        "",
        "YAML file with the router's settings (read by `mart up`/`mart serve router`; the \
         `mart-router` binary takes `--config`); variables below override it",
    ),
    var(
        "MART_ROUTER_LISTEN",
        "127.0.0.1:4000",
        "address the router binds",
    ),
    var(
        "MART_ROUTER_PORT",
        "4000",
        "the router's port under `mart up`/`mart serve router` when `MART_ROUTER_LISTEN` is \
         unset (the services' `MART_<SERVICE>_PORT`, see the main README)",
    ),
    var(
        "MART_ROUTER_URL",
        "http://127.0.0.1:4000/graphql",
        "where other processes reach the router (the services' `MART_<SERVICE>_URL`); not \
         read by the router itself",
    ),
    var(
        "MART_ROUTER_SUPERGRAPH",
        "schema/supergraph.graphql",
        "supergraph SDL file",
    ),
    var(
        "MART_ROUTER_TLS_CA_FILE",
        "",
        "PEM file of private certificate authorities `https://` subgraphs' certificates may \
         come from (the web PKI's roots are always trusted)",
    ),
    var(
        "MART_ROUTER_HOT_RELOAD",
        "true",
        "watch the supergraph file and swap in a new valid version",
    ),
    var(
        "MART_ROUTER_SUBGRAPH_URL_<NAME>",
        "",
        "override a subgraph's `@join__graph(url:)`, e.g. `MART_ROUTER_SUBGRAPH_URL_PRODUCTS`",
    ),
    var(
        "MART_ROUTER_SUBGRAPH_TIMEOUT_MS",
        "30000",
        "timeout of each subgraph request",
    ),
    var(
        "MART_ROUTER_DEDUPLICATE",
        "true",
        "share identical in-flight subgraph requests of queries",
    ),
    var(
        "MART_ROUTER_DEDUPLICATE_REQUESTS",
        "true",
        "answer identical queries in flight (same operation, variables, caller and \
         propagated headers) with one execution",
    ),
    var(
        "MART_ROUTER_INTROSPECTION",
        "false",
        "answer `__schema` and `__type` (`./dev up` sets `true`)",
    ),
    var(
        "MART_ROUTER_PLAYGROUND",
        "false",
        "serve the GraphiQL playground at `/` (`./dev up` sets `true`)",
    ),
    var(
        "MART_ROUTER_PLAN_CACHE_SIZE",
        "1024",
        "query plans kept in the LRU cache",
    ),
    var(
        "MART_ROUTER_BODY_LIMIT",
        "2097152",
        "request body limit in bytes",
    ),
    var(
        "MART_ROUTER_SUBGRAPH_SECRET",
        "",
        "sign subgraph requests with this secret (default: the services' `MART_SUBGRAPH_SECRET`)",
    ),
    var(
        "MART_ROUTER_MAX_COST",
        "50000",
        "highest estimated operation cost (`COST_ESTIMATED_TOO_EXPENSIVE` above)",
    ),
    var(
        "MART_ROUTER_HEADER_READ_TIMEOUT_MS",
        "10000",
        "time a request's headers may take from their first byte before the connection closes",
    ),
    var(
        "MART_ROUTER_IDLE_TIMEOUT_MS",
        "120000",
        "time a keep-alive connection may sit idle between requests before it is closed",
    ),
    var(
        "MART_ROUTER_REQUEST_TIMEOUT_MS",
        "60000",
        "time a request may take, body included, before 408 `REQUEST_TIMEOUT`",
    ),
    var(
        "MART_ROUTER_CSRF_PREVENTION",
        "true",
        "execute a GET only with a header a browser preflights (`CSRF_PREVENTION` otherwise)",
    ),
    var(
        "MART_ROUTER_CSRF_REQUIRED_HEADERS",
        "x-apollo-operation-name,apollo-require-preflight,x-mart-preflight",
        "headers that mark a GET as preflighted",
    ),
    var(
        "MART_ROUTER_CORS_ORIGINS",
        "",
        "comma-separated allowed origins (`*` for any); empty sends no CORS headers",
    ),
    var(
        "MART_ROUTER_PROPAGATE_HEADERS",
        "",
        "comma-separated client headers forwarded to subgraphs",
    ),
    var(
        "MART_ROUTER_JWKS_URL",
        "",
        "JWKS of the token issuer; empty leaves authentication off",
    ),
    var(
        "MART_ROUTER_JWT_ISSUER",
        "mart-users",
        "expected `iss` claim",
    ),
    var("MART_ROUTER_JWT_AUDIENCE", "mart", "expected `aud` claim"),
    var(
        "MART_ROUTER_JWT_LEEWAY_SECS",
        "5",
        "clock skew tolerated on `exp`",
    ),
    var(
        "MART_ROUTER_SUBSCRIPTIONS",
        "true",
        "accept subscriptions (WebSocket, SSE, multipart)",
    ),
    var(
        "MART_ROUTER_SUBSCRIPTION_KEEPALIVE_MS",
        "10000",
        "keep-alive interval towards clients and subgraph pings",
    ),
    var(
        "MART_ROUTER_SUBSCRIPTION_INIT_TIMEOUT_MS",
        "10000",
        "time a socket has to send `connection_init` (else close 4408)",
    ),
    var(
        "MART_ROUTER_SUBSCRIPTION_CLIENT_TIMEOUT_MS",
        "60000",
        "a WebSocket client silent this long (no message, no pong) is dropped",
    ),
    var(
        "MART_ROUTER_SUBSCRIPTION_MAX_PER_CONNECTION",
        "100",
        "subscriptions one socket may run (more get `TOO_MANY_SUBSCRIPTIONS`)",
    ),
    var(
        "MART_ROUTER_SUBSCRIPTION_QUEUE_CAPACITY",
        "256",
        "unsent messages a subscriber may fall behind before it is dropped",
    ),
    var(
        "MART_ROUTER_MAX_STREAMS_PER_CLIENT",
        "128",
        "WebSockets, SSE and multipart streams one client address may hold (`0`: no cap)",
    ),
    var(
        "MART_ROUTER_MAX_STREAMS",
        "10000",
        "WebSockets, SSE and multipart streams the router holds in all (`0`: no cap)",
    ),
];

/// Whether `name` is a variable the router reads.
pub fn is_known(name: &str) -> bool {
    name.strip_prefix(SUBGRAPH_URL_PREFIX)
        .is_some_and(|subgraph| !subgraph.is_empty())
        || ENV_VARS.iter().any(|v| v.name == name)
}
