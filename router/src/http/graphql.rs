//! GraphQL over HTTP: `POST /graphql` (JSON body) and `GET /graphql` (query string; no
//! mutations), with `application/graphql-response+json` when the client accepts it.
//! Subscriptions stream when the client accepts `text/event-stream` or `multipart/mixed`.
//! A GET runs only with a header a browser would have preflighted (`http/csrf.rs`).
use std::collections::HashMap;
use std::sync::Arc;

use std::time::Instant;
use tracing::Instrument;

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::auth::RequestIdentity;
use crate::graphql_error::{GraphQLError, codes};
use crate::pipeline::{self, GraphQLRequest, Refusal, Stop};
use crate::response::body::{data_body, error_body};
use crate::schema::index::OperationType;
use crate::state::RouterState;
use crate::subscription::http_stream::{self, Accepted};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

pub async fn post_graphql(
    State(state): State<Arc<RouterState>>,
    identity: Option<Extension<RequestIdentity>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let media = ResponseMedia::negotiate(&headers);
    let body = match body {
        Ok(body) => body,
        // Past `body_limit_bytes` (declared or streamed): a GraphQL error a client can act
        // on, not the framework's plain-text rejection.
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let error = super::limits::body_too_large(state.pipeline.config.body_limit_bytes);
            return graphql_body(StatusCode::PAYLOAD_TOO_LARGE, media, error_body(&[error]));
        }
        Err(rejection) => {
            return bad_request(media, rejection.status(), rejection.body_text());
        }
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    // Only JSON is executed. A POST without Content-Type, like text/plain or a form, is one a
    // browser sends cross-site without a preflight (CSRF), so it is refused too.
    if !essence.eq_ignore_ascii_case(JSON) && !essence.eq_ignore_ascii_case(GRAPHQL_RESPONSE_JSON) {
        let message = if essence.is_empty() {
            "A POST needs Content-Type: application/json.".to_string()
        } else {
            format!("Unsupported Content-Type {content_type:?}; send application/json.")
        };
        return bad_request(media, StatusCode::UNSUPPORTED_MEDIA_TYPE, message);
    }
    let request: GraphQLRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(_) if body.trim_ascii_start().starts_with(b"[") => {
            return bad_request(
                media,
                StatusCode::BAD_REQUEST,
                "Batched requests (a JSON array) are not supported; send one operation per request."
                    .to_string(),
            );
        }
        Err(e) => {
            return bad_request(
                media,
                StatusCode::BAD_REQUEST,
                format!("Invalid GraphQL request body: {e}"),
            );
        }
    };
    let identity = identity.map_or_else(RequestIdentity::unchecked, |Extension(i)| i);
    let span = crate::trace::request_span(&headers, request.operation_name.as_deref());
    execute(&state, request, &headers, &identity, false, media)
        .instrument(span)
        .await
}

pub async fn get_graphql(
    State(state): State<Arc<RouterState>>,
    identity: Option<Extension<RequestIdentity>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if state.pipeline.config.playground && prefers_html(&headers) && !params.contains_key("query") {
        return super::playground::index().await;
    }
    let media = ResponseMedia::negotiate(&headers);
    let csrf = &state.pipeline.config.csrf;
    if csrf.enabled && !super::csrf::preflighted(&headers, csrf) {
        return graphql_body(
            StatusCode::BAD_REQUEST,
            media,
            error_body(&[GraphQLError::with_code(
                super::csrf::message(csrf),
                codes::CSRF_PREVENTION,
            )]),
        );
    }
    let json_param = |name: &str| -> Result<Option<serde_json::Value>, Box<Response>> {
        match params.get(name).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(raw) => serde_json::from_str(raw).map(Some).map_err(|e| {
                Box::new(bad_request(
                    media,
                    StatusCode::BAD_REQUEST,
                    format!("Invalid JSON in the {name} parameter: {e}"),
                ))
            }),
        }
    };
    let object_param = |name: &str| match json_param(name)? {
        None => Ok(None),
        Some(serde_json::Value::Object(map)) => Ok(Some(map)),
        Some(_) => Err(Box::new(bad_request(
            media,
            StatusCode::BAD_REQUEST,
            format!("The {name} parameter must be a JSON object."),
        ))),
    };
    let variables = match object_param("variables") {
        Ok(variables) => variables,
        Err(response) => return *response,
    };
    let extensions = match object_param("extensions") {
        Ok(extensions) => extensions,
        Err(response) => return *response,
    };
    let request = GraphQLRequest {
        query: params.get("query").cloned(),
        operation_name: params.get("operationName").cloned(),
        variables,
        extensions,
    };
    let identity = identity.map_or_else(RequestIdentity::unchecked, |Extension(i)| i);
    let span = crate::trace::request_span(&headers, request.operation_name.as_deref());
    execute(&state, request, &headers, &identity, true, media)
        .instrument(span)
        .await
}

pub async fn method_not_allowed() -> Response {
    let mut response = graphql_body(
        StatusCode::METHOD_NOT_ALLOWED,
        ResponseMedia::Json,
        error_body(&[GraphQLError::with_code(
            "Use GET or POST for /graphql.",
            codes::METHOD_NOT_ALLOWED,
        )]),
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    response
}

async fn execute(
    state: &Arc<RouterState>,
    request: GraphQLRequest,
    headers: &HeaderMap,
    identity: &RequestIdentity,
    is_get: bool,
    media: ResponseMedia,
) -> Response {
    let started = Instant::now();
    let accepted = Accepted::of(headers);
    let mut operation = mart_telemetry::http::GraphqlOperation(request.operation_name.clone());
    let metrics = &state.pipeline.metrics;
    metrics.requests.increment(1);
    let response = match pipeline::prepare_request(&state.pipeline, request, identity, is_get).await
    {
        Err(Stop::Refused(Refusal::MutationOverGet)) => {
            metrics.requests_with_errors.increment(1);
            let mut response = graphql_body(
                StatusCode::METHOD_NOT_ALLOWED,
                media,
                error_body(&[GraphQLError::with_code(
                    "Mutations cannot be sent with GET; use POST.",
                    codes::METHOD_NOT_ALLOWED,
                )]),
            );
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            response
        }
        Err(Stop::Errors(errors)) => {
            metrics.requests_with_errors.increment(1);
            request_errors(&errors, media, accepted)
        }
        Ok(ready) if ready.kind() == OperationType::Subscription => {
            operation.0 = operation
                .0
                .or_else(|| ready.prepared.operation.name.clone());
            match accepted
                .stream
                .filter(|_| state.pipeline.config.subscriptions.enabled)
            {
                Some(format) => {
                    let Some(permit) = state.streams.acquire(identity.client_ip) else {
                        metrics.requests_with_errors.increment(1);
                        return crate::subscription::too_many_streams();
                    };
                    let subgraph_headers =
                        pipeline::subgraph_headers(&state.pipeline, headers, identity);
                    let expires = crate::subscription::token_deadline(
                        &identity.caller,
                        state.pipeline.config.auth.leeway_secs,
                    );
                    http_stream::subscribe(
                        state.clone(),
                        ready,
                        subgraph_headers,
                        expires,
                        format,
                        permit,
                    )
                }
                None => {
                    metrics.requests_with_errors.increment(1);
                    request_errors(&[pipeline::subscription_needs_streaming()], media, accepted)
                }
            }
        }
        Ok(ready) => {
            operation.0 = operation
                .0
                .or_else(|| ready.prepared.operation.name.clone());
            let (data, errors) =
                pipeline::execute(&state.pipeline, &ready, headers, identity).await;
            if !errors.is_empty() {
                metrics.requests_with_errors.increment(1);
            }
            let body = data_body(data, &errors);
            if accepted.sse_only() {
                http_stream::sse_single(&body)
            } else {
                graphql_body(StatusCode::OK, media, body)
            }
        }
    };
    metrics.request_duration.record(started.elapsed());
    let mut response = response;
    response.extensions_mut().insert(operation);
    response
}

/// A response without `data`: JSON, or an SSE `next` for a client that takes only SSE.
fn request_errors(errors: &[GraphQLError], media: ResponseMedia, accepted: Accepted) -> Response {
    if accepted.sse_only() {
        return http_stream::sse_single(&error_body(errors));
    }
    let status = request_error_status(errors, media);
    graphql_body(status, media, error_body(errors))
}

/// Status for a response without `data`: `application/graphql-response+json` uses 4xx, plain
/// JSON keeps 200 for GraphQL errors (GraphQL over HTTP), except for malformed requests.
fn request_error_status(errors: &[GraphQLError], media: ResponseMedia) -> StatusCode {
    let malformed = errors.iter().any(|e| e.code() == Some(codes::BAD_REQUEST));
    if malformed {
        return StatusCode::BAD_REQUEST;
    }
    match media {
        ResponseMedia::GraphQLResponseJson => StatusCode::BAD_REQUEST,
        ResponseMedia::Json => StatusCode::OK,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ResponseMedia {
    GraphQLResponseJson,
    Json,
}

impl ResponseMedia {
    /// `application/graphql-response+json` when the client lists it (or `*/*` alone is not
    /// what it sent), `application/json` otherwise.
    fn negotiate(headers: &HeaderMap) -> ResponseMedia {
        let accept = headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        let mut best: Option<(f32, ResponseMedia)> = None;
        for part in accept.split(',') {
            let mut pieces = part.split(';');
            let media = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let kind = match media.as_str() {
                GRAPHQL_RESPONSE_JSON => ResponseMedia::GraphQLResponseJson,
                JSON => ResponseMedia::Json,
                _ => continue,
            };
            let better = match best {
                None => true,
                Some((best_q, best_kind)) => {
                    q > best_q
                        || (q == best_q
                            && kind == ResponseMedia::GraphQLResponseJson
                            && best_kind == ResponseMedia::Json)
                }
            };
            if q > 0.0 && better {
                best = Some((q, kind));
            }
        }
        best.map(|(_, kind)| kind).unwrap_or(ResponseMedia::Json)
    }

    fn content_type(self) -> HeaderValue {
        match self {
            ResponseMedia::GraphQLResponseJson => {
                HeaderValue::from_static("application/graphql-response+json; charset=utf-8")
            }
            ResponseMedia::Json => HeaderValue::from_static("application/json; charset=utf-8"),
        }
    }
}

fn prefers_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| {
            let html = accept.find("text/html");
            let json = accept.find("json");
            match (html, json) {
                (Some(h), Some(j)) => h < j,
                (Some(_), None) => true,
                _ => false,
            }
        })
}

fn bad_request(media: ResponseMedia, status: StatusCode, message: String) -> Response {
    graphql_body(
        status,
        media,
        error_body(&[GraphQLError::with_code(message, codes::BAD_REQUEST)]),
    )
}

fn graphql_body(status: StatusCode, media: ResponseMedia, body: Vec<u8>) -> Response {
    let mut response = (status, Body::from(body)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    response
}
