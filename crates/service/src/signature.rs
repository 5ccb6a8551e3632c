//! With `MART_SUBGRAPH_SECRET` set, a subgraph's `/graphql` answers only requests signed
//! with it (`x-mart-signature`, see [`mart_auth::signing`]): the router's and other
//! services'. Anything else that reaches the subgraph, past the router, gets 401
//! `UNSIGNED_REQUEST`. Probes, metrics and the users service's JWKS stay open.
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use mart_auth::{RequestSigner, SIGNATURE_HEADER};

pub async fn require(
    State(signer): State<Arc<RequestSigner>>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path() != "/graphql" {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::graphql::BODY_LIMIT).await else {
        return refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            "the request body is too large",
        );
    };
    let signature = parts
        .headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    if let Err(error) = signer.verify(signature, &bytes) {
        tracing::warn!(%error, "refused a request that the router did not sign");
        return refusal(
            StatusCode::UNAUTHORIZED,
            "UNSIGNED_REQUEST",
            &error.to_string(),
        );
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn refusal(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    });
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}
