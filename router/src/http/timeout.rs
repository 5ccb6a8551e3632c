//! Middleware: a request gets `request_timeout_ms` from its headers to its response's
//! headers, reading its body included (a client trickling a body is a slowloris too). A
//! streaming response (WebSocket, SSE, multipart) is handed back at once and is not limited.
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
    let limit = Duration::from_millis(state.pipeline.config.request_timeout_ms);
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let error = GraphQLError::with_code(
                format!("The request took longer than {} ms.", limit.as_millis()),
                codes::REQUEST_TIMEOUT,
            );
            let body = serde_json::json!({ "errors": [error] }).to_string();
            let mut response = (StatusCode::REQUEST_TIMEOUT, body).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
    }
}
