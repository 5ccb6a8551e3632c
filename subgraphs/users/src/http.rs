//! HTTP beside the GraphQL endpoint: `GET /.well-known/jwks.json`, the public
//! keys every verifier fetches.

use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use mart_auth::{JWKS_PATH, JwkSet};

pub fn jwks_routes(jwks: JwkSet) -> Router {
    let body = Arc::new(serde_json::to_string(&jwks).expect("a JWKS serializes"));
    Router::new().route(
        JWKS_PATH,
        get(move || {
            let body = body.clone();
            async move {
                (
                    [
                        (header::CONTENT_TYPE, "application/jwk-set+json"),
                        // Verifiers cache it anyway; this lets HTTP caches help.
                        (header::CACHE_CONTROL, "public, max-age=300"),
                    ],
                    body.as_str().to_owned(),
                )
                    .into_response()
            }
        }),
    )
}
