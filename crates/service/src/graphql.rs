//! Mounting a subgraph's async-graphql schema behind authentication.
//!
//! Each request goes: authenticate (verify the bearer token, if any) → parse
//! the GraphQL request → execute with the caller's [`Identity`], its verified
//! token ([`identity::AccessToken`]) and [`ClientAddr`] in the request data →
//! respond. A request whose token fails verification is answered with one
//! `UNAUTHENTICATED` GraphQL error and is not executed at all (HTTP 200:
//! turning that into a 401 is the router's job).

use std::net::SocketAddr;
use std::sync::Arc;

use async_graphql::{ErrorExtensionValues, ObjectType, Schema, ServerError, SubscriptionType};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLResponse, rejection::GraphQLRejection};
use axum::Router;
use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use mart_auth::Verifier;

use crate::identity::{self, AuthError, Identity};

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
    let legacy = wants_plain_json(request.headers());
    let mut response = answer(endpoint, request).await;
    if legacy {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
    response
}

/// async-graphql labels every answer `application/graphql-response+json`. GraphQL
/// over HTTP requires a client that accepts only `application/json` (the media
/// type older clients know) to get that label; the body is the same.
fn wants_plain_json(headers: &HeaderMap) -> bool {
    let accepted: Vec<String> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|part| {
            part.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .collect();
    let any = |types: &[&str]| accepted.iter().any(|a| types.contains(&a.as_str()));
    any(&["application/json"])
        && !any(&["application/graphql-response+json", "application/*", "*/*"])
}

async fn answer<Q, M, S>(endpoint: Endpoint<Q, M, S>, request: Request) -> Response
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
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0);
    let client = identity::client_addr(request.headers(), peer);

    let batch = match GraphQLBatchRequest::<GraphQLRejection>::from_request(request, &()).await {
        Ok(batch) => batch.into_inner(),
        Err(rejection) => return rejection.into_response(),
    };

    let mut batch = batch.data::<Identity>(identity).data(client);
    if let Some(token) = token {
        batch = batch.data(token);
    }
    GraphQLResponse(endpoint.schema.execute_batch(batch).await).into_response()
}

fn refusal(error: &AuthError) -> Response {
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", error.code());
    let mut error = ServerError::new(error.to_string(), None);
    error.extensions = Some(extensions);
    GraphQLResponse::from(async_graphql::Response::from_errors(vec![error])).into_response()
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
    fn only_clients_that_accept_just_json_get_the_json_label() {
        assert!(wants_plain_json(&accept("application/json")));
        assert!(wants_plain_json(&accept(
            "text/html, application/json;q=0.9"
        )));
        assert!(!wants_plain_json(&accept(
            "application/graphql-response+json, application/json"
        )));
        assert!(!wants_plain_json(&accept("application/json, */*;q=0.5")));
        assert!(!wants_plain_json(&accept("*/*")));
        assert!(!wants_plain_json(&HeaderMap::new()));
    }
}
