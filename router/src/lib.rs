//! Mart's GraphQL federation router.
//!
//! Pipeline per request: parse → validate (against the API schema) → plan
//! (`hive-router-query-planner`, cached) → execute (subgraph fetches, merged) → respond
//! (shaped exactly like the client's selection).
mod auth;
mod config;
mod execution;
mod graphql_error;
mod http;
mod introspection;
mod metrics;
mod operation;
mod pipeline;
mod response;
mod schema;
mod server;
mod subgraph;
mod trace;
mod value;

pub use config::{AuthConfig, ConfigError, CorsConfig, HeaderRules, LimitsConfig, RouterConfig};
pub use graphql_error::{GraphQLError, PathSegment};
pub use schema::SupergraphError;
pub use server::{RouterError, RunningRouter, run, serve, start};
