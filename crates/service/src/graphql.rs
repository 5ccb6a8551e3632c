//! Mounting a subgraph's async-graphql schema behind authentication.
//!
//! Each request goes: authenticate (verify the bearer token, if any) → parse
//! the GraphQL request → execute with the caller's [`Identity`], its verified
//! token ([`identity::AccessToken`]) and [`crate::client::ClientAddr`] (see [`crate::client`]) in the request data →
//! respond. A request whose token fails verification is answered with one
//! `UNAUTHENTICATED` GraphQL error and is not executed at all (HTTP 200:
//! turning that into a 401 is the router's job).
//!
//! Subgraphs sit behind the router, but one reached directly gets the same
//! bounds: a body limit ([`BODY_LIMIT`], 413 beyond), one operation per request
//! (a batch is 400), no mutation over GET (405), and a schema built with
//! [`harden`] (no suggestions, no introspection, depth and complexity limits).
//!
//! GraphQL over HTTP as the router speaks it: a POST body must be labelled
//! JSON (415 otherwise); a client that asks for
//! `application/graphql-response+json` gets it, and a request that could not be
//! executed (parse, validation or variable errors) is then answered 400 without
//! `data`; any other client gets `application/json` and 200.

use std::sync::Arc;

use async_graphql::{
    ErrorExtensionValues, ObjectType, ParseRequestError, Schema, SchemaBuilder, ServerError,
    SubscriptionType,
};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse, rejection::GraphQLRejection};
use axum::Json;
use axum::Router;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use mart_auth::Verifier;
use mart_telemetry::http::GraphqlOperation;

use crate::identity::{self, AuthError, Identity};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// Largest request body a subgraph reads: twice the router's client limit, since the router's
/// entity fetches carry representations (bounded by its cost limit) besides the query.
pub const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// Most fields in one operation a subgraph executes: the router's own field limit.
pub const MAX_COMPLEXITY: usize = 2_000;

/// The bounds every subgraph's schema is built with: `max_depth` (each subgraph knows how deep
/// its types nest), at most [`MAX_COMPLEXITY`] fields, no "did you mean" suggestions that
/// describe the schema to a prober, and no introspection (clients learn the schema from the
/// router, where an operator can turn it on).
pub fn harden<Q, M, S>(
    builder: SchemaBuilder<Q, M, S>,
    max_depth: usize,
) -> SchemaBuilder<Q, M, S> {
    builder
        .extension(OperationLabel)
        .limit_depth(max_depth)
        .limit_complexity(MAX_COMPLEXITY)
        .disable_suggestions()
        .disable_introspection()
}

/// `POST /graphql` and `GET /graphql` for `schema`, verifying tokens with
/// `verifier` (e.g. [`identity::verifier_for`] the service's own configuration).
pub fn routes_with_verifier<Q, M, S>(schema: Schema<Q, M, S>, verifier: Arc<Verifier>) -> Router
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    Router::new()
        .route(
            "/graphql",
            post(serve_graphql::<Q, M, S>).get(serve_graphql::<Q, M, S>),
        )
        .with_state(Endpoint { schema, verifier })
}

struct Endpoint<Q, M, S> {
    schema: Schema<Q, M, S>,
    verifier: Arc<Verifier>,
}

// A derive would demand `Q: Clone` and so on; only the Arcs inside are cloned.
impl<Q, M, S> Clone for Endpoint<Q, M, S> {
    fn clone(&self) -> Self {
        Self {
            schema: self.schema.clone(),
            verifier: self.verifier.clone(),
        }
    }
}

async fn serve_graphql<Q, M, S>(
    State(endpoint): State<Endpoint<Q, M, S>>,
    request: Request,
) -> Response
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    if request.method() == Method::POST && !is_json_body(request.headers()) {
        return unsupported_media_type();
    }
    let oversized = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|length| length > BODY_LIMIT);
    if oversized {
        return payload_too_large();
    }
    let legacy = !accepts_graphql_response_json(request.headers());
    let mut response = answer(endpoint, request, legacy).await;
    let labelled_graphql = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(GRAPHQL_RESPONSE_JSON.as_bytes()));
    if legacy && labelled_graphql {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
    response
}

/// Whether the client lists `application/graphql-response+json`. async-graphql
/// labels every answer with it; GraphQL over HTTP wants clients that do not ask
/// for it (`application/json`, `*/*`, no Accept) answered `application/json`,
/// the media type older clients know, with the same body.
fn accepts_graphql_response_json(headers: &HeaderMap) -> bool {
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
fn is_json_body(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim())
        .is_some_and(|essence| {
            essence.eq_ignore_ascii_case("application/json")
                || essence.eq_ignore_ascii_case(GRAPHQL_RESPONSE_JSON)
        })
}

async fn answer<Q, M, S>(endpoint: Endpoint<Q, M, S>, request: Request, legacy: bool) -> Response
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let (identity, token) =
        match identity::authenticate_bearer(&endpoint.verifier, request.headers()).await {
            Ok(verified) => verified,
            Err(refused) => return refusal(&refused),
        };
    let client = crate::client::of(&request);

    let is_get = request.method() == Method::GET;
    // A body past the limit without a Content-Length (chunked) stops being read there.
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return payload_too_large();
    };
    let request = Request::from_parts(parts, axum::body::Body::from(body));
    let request = match GraphQLRequest::<GraphQLRejection>::from_request(request, &()).await {
        Ok(request) => request.into_inner(),
        // async-graphql would answer with its error's debug text, unlabelled.
        Err(GraphQLRejection(error)) => return parse_error(&error),
    };
    if is_get && is_mutation(&request) {
        return errors_response(
            StatusCode::METHOD_NOT_ALLOWED,
            &[coded(
                "mutations are only accepted over POST",
                "METHOD_NOT_ALLOWED",
            )],
        );
    }

    let named = request.operation_name.clone();
    let first_field = FirstField::default();
    let mut request = request
        .data::<Identity>(identity)
        .data(client)
        .data(first_field.clone());
    if let Some(token) = token {
        request = request.data(token);
    }
    let response = endpoint.schema.execute(request).await;
    let mut response = if !legacy && is_request_error(&response) {
        request_error(&response)
    } else {
        GraphQLResponse::from(response).into_response()
    };
    let operation = named.or_else(|| first_field.0.get().cloned());
    response
        .extensions_mut()
        .insert(GraphqlOperation(operation));
    response
}

/// Where [`OperationLabel`] leaves the first field of an unnamed operation, for `/metrics`.
#[derive(Clone, Default)]
struct FirstField(Arc<std::sync::OnceLock<String>>);

/// What `/metrics` calls an operation without a name (the router names none of its
/// fetches): its first field, such as `_entities` or `placeOrder`, read from the document
/// async-graphql has just parsed rather than parsing it again.
struct OperationLabel;

impl async_graphql::extensions::ExtensionFactory for OperationLabel {
    fn create(&self) -> Arc<dyn async_graphql::extensions::Extension> {
        Arc::new(OperationLabel)
    }
}

#[async_trait::async_trait]
impl async_graphql::extensions::Extension for OperationLabel {
    async fn parse_query(
        &self,
        ctx: &async_graphql::extensions::ExtensionContext<'_>,
        query: &str,
        variables: &async_graphql::Variables,
        next: async_graphql::extensions::NextParseQuery<'_>,
    ) -> async_graphql::ServerResult<async_graphql::parser::types::ExecutableDocument> {
        use async_graphql::parser::types::{DocumentOperations, Selection};
        let document = next.run(ctx, query, variables).await?;
        if let Some(slot) = ctx.data_opt::<FirstField>() {
            let operation = match &document.operations {
                DocumentOperations::Single(op) => Some(op),
                DocumentOperations::Multiple(ops) => ops.values().next(),
            };
            let first = operation.and_then(|op| {
                op.node
                    .selection_set
                    .node
                    .items
                    .iter()
                    .find_map(|item| match &item.node {
                        Selection::Field(field) => Some(field.node.name.node.to_string()),
                        _ => None,
                    })
            });
            if let Some(first) = first {
                let _ = slot.0.set(first);
            }
        }
        Ok(document)
    }
}

/// Why the request could not be read, as the client should hear it.
fn parse_error(error: &ParseRequestError) -> Response {
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

/// Whether the operation the request would run is a mutation (GET may only read). A document
/// that does not parse is left to execution to report.
fn is_mutation(request: &async_graphql::Request) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    let kind = match (&document.operations, request.operation_name.as_deref()) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) => ops.values().next().map(|op| op.node.ty),
    };
    kind == Some(OperationType::Mutation)
}

fn payload_too_large() -> Response {
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
fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// GraphQL over HTTP, for `application/graphql-response+json`: a request that
/// was not executed is answered 400 and without a `data` entry (async-graphql
/// would send 200 and `"data": null`, which says execution started).
fn request_error(response: &async_graphql::Response) -> Response {
    errors_response(StatusCode::BAD_REQUEST, &response.errors)
}

fn unsupported_media_type() -> Response {
    errors_response(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        &[coded(
            "send the request with Content-Type: application/json",
            "BAD_REQUEST",
        )],
    )
}

fn refusal(error: &AuthError) -> Response {
    let error = coded(error.to_string(), error.code());
    GraphQLResponse::from(async_graphql::Response::from_errors(vec![error])).into_response()
}

/// A GraphQL error with `extensions.code`.
fn coded(message: impl Into<String>, code: &str) -> ServerError {
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    let mut error = ServerError::new(message, None);
    error.extensions = Some(extensions);
    error
}

/// `{"errors": […]}` with `status`, labelled like async-graphql's answers (see
/// [`accepts_graphql_response_json`] for who gets `application/json` instead).
fn errors_response(status: StatusCode, errors: &[ServerError]) -> Response {
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
