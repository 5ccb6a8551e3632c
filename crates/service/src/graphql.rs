//! Mounting a subgraph's async-graphql schema.

use async_graphql::{ObjectType, Schema, SubscriptionType};
use async_graphql_axum::GraphQL;
use axum::Router;
use axum::routing::post_service;

/// `POST /graphql` and `GET /graphql` (queries only, as the GraphQL-over-HTTP spec
/// says) for `schema`.
pub fn routes<Q, M, S>(schema: Schema<Q, M, S>) -> Router
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let service = GraphQL::new(schema);
    Router::new().route(
        "/graphql",
        post_service(service.clone()).get_service(service),
    )
}
