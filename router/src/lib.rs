//! Mart's GraphQL federation router.
//!
//! Pipeline per request: parse → validate (against the API schema) → plan
//! (`hive-router-query-planner`, cached) → execute (subgraph fetches, merged) → respond
//! (shaped exactly like the client's selection). Subscriptions run the same pipeline and then
//! stream: see `subscription`.
mod auth;
mod config;
mod env_vars;
mod execution;
mod graphql_error;
mod http;
mod inflight;
mod introspection;
mod json;
mod metrics;
mod operation;
mod pipeline;
mod reload;
mod response;
mod schema;
mod serve;
mod server;
mod state;
mod streams;
mod subgraph;
mod subscription;
mod trace;
mod value;

pub use config::{
    AuthConfig, ConfigError, CorsConfig, HeaderRules, LimitsConfig, RouterConfig,
    SubscriptionConfig,
};
pub use env_vars::{ENV_VARS, RouterEnvVar, SUBGRAPH_URL_PREFIX, is_known as is_router_env_var};
pub use graphql_error::{GraphQLError, PathSegment};
pub use schema::SupergraphError;
pub use server::{RouterError, RunningRouter, run, serve, start};
