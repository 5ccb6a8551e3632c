//! HTTP endpoints: GraphQL over HTTP, health/readiness/metrics and the playground.
pub mod authenticate;
pub mod csrf;
pub mod graphql;
pub mod health;
pub mod limits;
pub mod playground;
