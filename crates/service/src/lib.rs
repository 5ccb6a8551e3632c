//! Service bootstrap shared by every Mart service: typed configuration from the
//! environment, the Postgres pool with per-service migrations, the HTTP server with
//! health and readiness probes, GraphQL error codes, tracing and graceful shutdown;
//! and the input rules more than one service applies ([`text`], [`address`]).

pub mod address;
pub mod bootstrap;
pub mod client;
pub mod config;
pub mod db;
pub mod errors;
pub mod graphql;
pub mod http;
pub mod identity;
pub mod memory;
pub mod payment_token;
pub mod pg_tls;
pub mod shutdown;
pub mod signature;
pub mod subgraph;
pub mod subscriptions;
pub mod telemetry;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod text;
pub mod types;
pub mod upkeep;
pub mod upstream;

pub use bootstrap::{Bootstrap, StartError};
pub use config::{ServiceConfig, ServiceName};
pub use db::{Database, DbError, PgPool};
pub use errors::{ApiError, ApiResultExt};
pub use http::{Readiness, ReadinessCheck, ServiceHandle};
pub use identity::{Identity, require_admin, require_user};
pub use subgraph::Subgraph;
