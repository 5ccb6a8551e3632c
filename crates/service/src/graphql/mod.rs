//! Mounting a subgraph's async-graphql schema behind authentication.
//!
//! Each request goes: authenticate (verify the bearer token, if any) → parse
//! the GraphQL request (its document from [`Documents`] when the same text came
//! before) → execute with the caller's [`Identity`], its verified
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

mod documents;
mod operation_label;
mod responses;

use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ObjectType, Schema, SchemaBuilder, SubscriptionType};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse, rejection::GraphQLRejection};
use axum::Router;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use mart_auth::Verifier;
use mart_telemetry::http::GraphqlOperation;

pub use documents::Documents;
use operation_label::{FirstField, OperationLabel};
use responses::{
    accepts_graphql_response_json, coded, errors_response, is_json_body, is_request_error,
    parse_error, payload_too_large, refusal, request_error, unsupported_media_type,
};

use crate::identity::{self, Identity};

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
        .with_state(Endpoint {
            schema,
            verifier,
            documents: Arc::default(),
        })
}

struct Endpoint<Q, M, S> {
    schema: Schema<Q, M, S>,
    verifier: Arc<Verifier>,
    documents: Arc<Documents>,
}

// A derive would demand `Q: Clone` and so on; only the Arcs inside are cloned.
impl<Q, M, S> Clone for Endpoint<Q, M, S> {
    fn clone(&self) -> Self {
        Self {
            schema: self.schema.clone(),
            verifier: self.verifier.clone(),
            documents: self.documents.clone(),
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
    let document = endpoint.documents.parse(&request.query);
    if is_get && is_mutation(document.as_ref(), request.operation_name.as_deref()) {
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
    if let Some(document) = document {
        request.set_parsed_query(document);
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

/// Whether the operation the request would run is a mutation (GET may only read). A document
/// that does not parse is left to execution to report.
fn is_mutation(document: Option<&ExecutableDocument>, operation_name: Option<&str>) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let Some(document) = document else {
        return false;
    };
    let kind = match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) => ops.values().next().map(|op| op.node.ty),
    };
    kind == Some(OperationType::Mutation)
}
