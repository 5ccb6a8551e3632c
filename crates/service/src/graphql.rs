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
