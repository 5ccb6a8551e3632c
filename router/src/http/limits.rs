//! Middleware: a request gets `request_timeout_ms` from its headers to its response's
//! headers, reading its body included (a client trickling a body is a slowloris too). A
//! streaming response (WebSocket, SSE, multipart) is handed back at once and is not limited.
//! A body whose declared `Content-Length` is past `body_limit_bytes` is refused before any
//! of it is read: otherwise the router would wait for megabytes it will refuse anyway.
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::graphql_error::{GraphQLError, codes};
use crate::state::RouterState;

pub async fn limit(
    State(state): State<Arc<RouterState>>,
    request: Request,
    next: Next,
) -> Response {
    let body_limit = state.pipeline.config.body_limit_bytes;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > body_limit as u64) {
        return refusal(StatusCode::PAYLOAD_TOO_LARGE, body_too_large(body_limit));
    }
    let limit = Duration::from_millis(state.pipeline.config.request_timeout_ms);
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => refusal(
            StatusCode::REQUEST_TIMEOUT,
            GraphQLError::with_code(
                format!("The request took longer than {} ms.", limit.as_millis()),
                codes::REQUEST_TIMEOUT,
            ),
        ),
    }
}

/// The error for a body past `body_limit_bytes`, declared or streamed.
pub fn body_too_large(body_limit: usize) -> GraphQLError {
    GraphQLError::with_code(
        format!("The request body is larger than the router accepts ({body_limit} bytes)."),
        codes::PAYLOAD_TOO_LARGE,
    )
}

/// A GraphQL error answer that also closes the connection: what is left of the request
/// (its body) is not read.
fn refusal(status: StatusCode, error: GraphQLError) -> Response {
    let body = serde_json::json!({ "errors": [error] }).to_string();
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
