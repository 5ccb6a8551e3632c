//! GraphQL subscriptions through the router.
//!
//! Clients subscribe over a WebSocket at `/graphql` ([`ws_server`]: `graphql-transport-ws` or
//! the legacy `graphql-ws`), or over HTTP with `Accept: text/event-stream` ([`sse`]) or
//! `multipart/mixed;subscriptionSpec=1.0` ([`multipart`]); [`http_stream`] runs the latter two.
//! Whatever the transport, [`execute`] runs the subscription: one WebSocket to the owning
//! subgraph per client subscription (`subgraph::websocket`), the rest of the plan per event, and the
//! response shaped like any other. Every client has a bounded queue of unsent messages; one
//! that falls behind is dropped rather than buffered without limit.
//!
//! Authentication is the HTTP path's: a WebSocket's token comes from the `connection_init`
//! payload (`Authorization`) or the upgrade request's header, is verified by the same
//! authenticator, and the socket closes with 4403 when the token expires.
pub mod execute;
pub mod http_stream;
mod init_payload;
pub mod multipart;
pub mod protocol;
pub mod sse;
mod ws_operation;
pub mod ws_server;
mod ws_writer;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::time::Instant;

use crate::auth::Caller;
use crate::graphql_error::{GraphQLError, codes};

/// HTTP 429 for a WebSocket or stream over the caps of `crate::streams`.
pub fn too_many_streams() -> Response {
    let error = GraphQLError::with_code(
        "Too many open subscription connections; close one and try again.",
        codes::TOO_MANY_CONNECTIONS,
    );
    let body = serde_json::json!({ "errors": [error] }).to_string();
    let mut response = (StatusCode::TOO_MANY_REQUESTS, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// When a caller's access token stops being valid (`exp` plus the allowed clock skew, as the
/// verifier counts it); `None` for callers without a token.
pub fn token_deadline(caller: &Caller, leeway_secs: u64) -> Option<Instant> {
    let Caller::User { expires_at, .. } = caller else {
        return None;
    };
    let end = UNIX_EPOCH + Duration::from_secs(expires_at.saturating_add(leeway_secs));
    let left = end
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    Some(Instant::now() + left)
}
