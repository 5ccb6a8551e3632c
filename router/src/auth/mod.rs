//! Authentication and authorization at the router.
//!
//! - [`verify`]: the `Authorization: Bearer` access token is verified (against the users
//!   service's JWKS) before anything else; a refused token ends the request with HTTP 401.
//! - What identity reaches subgraphs (`pipeline/headers.rs`). Trust model: the router forwards
//!   the verified `Authorization` header and every subgraph verifies the JWT again itself, so an
//!   identity a client forges — straight at a subgraph, or through the router in its own header
//!   — is never believed. Client headers are forwarded only when `headers.propagate` lists them.
//! - [`policy`] and [`scopes`]: `@requiresScopes` / `@authenticated` read from the supergraph and
//!   enforced on each operation before any subgraph is called.
pub mod policy;
pub mod scopes;
pub mod verify;

use std::collections::BTreeSet;
use std::net::IpAddr;

use hyper::header::HeaderValue;

/// Who is calling, as far as the router could establish.
#[derive(Debug, Clone)]
pub enum Caller {
    /// Authentication is off: nothing verified, directives not enforced.
    Unchecked,
    /// Authentication is on and the request carried no token.
    Anonymous,
    /// A verified access token.
    User {
        scopes: BTreeSet<String>,
        /// The header exactly as verified, forwarded to subgraphs.
        authorization: HeaderValue,
        /// The token's `exp` (seconds since the Unix epoch): a WebSocket closes when it passes.
        expires_at: u64,
    },
}

impl Caller {
    pub fn enforces_directives(&self) -> bool {
        !matches!(self, Caller::Unchecked)
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        matches!(self, Caller::User { scopes, .. } if scopes.contains(scope))
    }

    pub fn is_authenticated(&self) -> bool {
        matches!(self, Caller::User { .. })
    }
}

/// What the HTTP layer learnt about a request before the pipeline runs.
#[derive(Debug, Clone)]
pub struct RequestIdentity {
    pub caller: Caller,
    /// The TCP peer, appended to `X-Forwarded-For` on subgraph requests.
    pub client_ip: Option<IpAddr>,
}

impl RequestIdentity {
    pub fn unchecked() -> Self {
        RequestIdentity {
            caller: Caller::Unchecked,
            client_ip: None,
        }
    }
}
