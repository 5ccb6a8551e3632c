//! The answers a subgraph gives before or instead of executing, and the headers that
//! decide how an answer is labelled.

use async_graphql::{ErrorExtensionValues, ParseRequestError, ServerError};
use async_graphql_axum::GraphQLResponse;
use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{BODY_LIMIT, GRAPHQL_RESPONSE_JSON};
use crate::identity::AuthError;

/// Whether the client lists `application/graphql-response+json`. async-graphql
/// labels every answer with it; GraphQL over HTTP wants clients that do not ask
/// for it (`application/json`, `*/*`, no Accept) answered `application/json`,
/// the media type older clients know, with the same body.
pub(super) fn accepts_graphql_response_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|part| {
            part.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case(GRAPHQL_RESPONSE_JSON)
        })
}

/// A POST body must be labelled JSON; async-graphql would read any label (a
/// browser form's `text/plain` included) as JSON.
pub(super) fn is_json_body(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim())
        .is_some_and(|essence| {
            essence.eq_ignore_ascii_case("application/json")
                || essence.eq_ignore_ascii_case(GRAPHQL_RESPONSE_JSON)
        })
}

/// Why the request could not be read, as the client should hear it.
pub(super) fn parse_error(error: &ParseRequestError) -> Response {
    let text = error.to_string();
    match error {
        ParseRequestError::PayloadTooLarge => payload_too_large(),
        // A JSON array: several operations in one request.
        ParseRequestError::UnsupportedBatch => errors_response(
            StatusCode::BAD_REQUEST,
            &[coded(
                "batched requests are not supported; send one operation per request",
                "BAD_REQUEST",
            )],
        ),
        _ => errors_response(StatusCode::BAD_REQUEST, &[coded(text, "BAD_REQUEST")]),
    }
}

pub(super) fn payload_too_large() -> Response {
    errors_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        &[coded(
            format!("the request body is larger than {BODY_LIMIT} bytes"),
            "PAYLOAD_TOO_LARGE",
        )],
    )
}

/// Nothing was executed: the document did not parse or validate, or the
/// variables did not fit (async-graphql gives such errors no path; an error
/// raised while executing a field always has one).
pub(super) fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// GraphQL over HTTP, for `application/graphql-response+json`: a request that
/// was not executed is answered 400 and without a `data` entry (async-graphql
/// would send 200 and `"data": null`, which says execution started).
pub(super) fn request_error(response: &async_graphql::Response) -> Response {
    errors_response(StatusCode::BAD_REQUEST, &response.errors)
}

pub(super) fn unsupported_media_type() -> Response {
    errors_response(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        &[coded(
            "send the request with Content-Type: application/json",
            "BAD_REQUEST",
        )],
    )
}

pub(super) fn refusal(error: &AuthError) -> Response {
    let error = coded(error.to_string(), error.code());
    GraphQLResponse::from(async_graphql::Response::from_errors(vec![error])).into_response()
}

/// A GraphQL error with `extensions.code`.
pub(super) fn coded(message: impl Into<String>, code: &str) -> ServerError {
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    let mut error = ServerError::new(message, None);
    error.extensions = Some(extensions);
    error
}

/// `{"errors": […]}` with `status`, labelled like async-graphql's answers (see
/// [`accepts_graphql_response_json`] for who gets `application/json` instead).
pub(super) fn errors_response(status: StatusCode, errors: &[ServerError]) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/graphql-response+json; charset=utf-8"),
        )],
        Json(serde_json::json!({ "errors": errors })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn only_clients_that_ask_for_it_get_the_graphql_response_label() {
        assert!(accepts_graphql_response_json(&accept(
            "application/graphql-response+json, application/json"
        )));
        assert!(accepts_graphql_response_json(&accept(
            "application/json;q=0.9, Application/GraphQL-Response+JSON"
        )));
        assert!(!accepts_graphql_response_json(&accept("application/json")));
        assert!(!accepts_graphql_response_json(&accept("*/*")));
        assert!(!accepts_graphql_response_json(&HeaderMap::new()));
    }

    #[test]
    fn post_bodies_must_be_labelled_json() {
        let mut headers = HeaderMap::new();
        assert!(!is_json_body(&headers));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert!(!is_json_body(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        assert!(is_json_body(&headers));
    }
}
