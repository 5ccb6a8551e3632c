//! What the HTTP front door accepts: cross-origin rules, cross-site request forgery
//! prevention, and which client headers travel on to subgraphs.
use std::collections::HashMap;

use serde::Deserialize;

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

/// Cross-site request forgery prevention, in the manner of Apollo Router's. A browser sends a
/// GET, or a POST of a form or plain text, to any site without asking it first (no CORS
/// preflight), with the victim's cookies and network position. Such a request is executed
/// only when it also carries a header a browser would have had to ask about first: a
/// `Content-Type` other than the three simple ones, or one of `required_headers`.
/// (POSTs must be JSON anyway, so in practice this applies to `GET /graphql`.)
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CsrfConfig {
    /// Refuse unpreflighted requests with 400 `CSRF_PREVENTION`. Default `true`.
    /// Env: `MART_ROUTER_CSRF_PREVENTION`.
    pub enabled: bool,
    /// Headers (any value) that mark a request as one a browser preflighted. Default
    /// `x-apollo-operation-name`, `apollo-require-preflight` (what Apollo's clients send)
    /// and `x-mart-preflight`. Env: `MART_ROUTER_CSRF_REQUIRED_HEADERS` (comma separated).
    pub required_headers: Vec<String>,
}

impl Default for CsrfConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            required_headers: vec![
                "x-apollo-operation-name".into(),
                "apollo-require-preflight".into(),
                "x-mart-preflight".into(),
            ],
        }
    }
}
