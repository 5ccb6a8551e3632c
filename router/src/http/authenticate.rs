//! Middleware on `/graphql`: authenticates the request before its body is read and stores
//! the caller's [`RequestIdentity`] in the request's extensions, or answers the refusal.
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::RequestIdentity;
use crate::auth::verify::refusal;
use crate::state::RouterState;

/// Middleware: authenticates the request and stores its [`RequestIdentity`] in the
/// extensions, or answers the refusal itself.
pub async fn authenticate(
    State(state): State<Arc<RouterState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let client_ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    match state.authenticator.authenticate(request.headers()).await {
        Ok(caller) => {
            request
                .extensions_mut()
                .insert(RequestIdentity { caller, client_ip });
            next.run(request).await
        }
        Err(failure) => refusal(&failure),
    }
}
