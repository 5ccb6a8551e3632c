//! What the rest of the system needs of one subgraph, in one value.
//!
//! Each subgraph crate exports a [`Subgraph`] (`mart_products::SUBGRAPH`, …), and
//! the `mart` binary lists them once (`src/registry.rs`). `mart up`, `mart serve`
//! and `mart schema export` iterate that list instead of matching on every
//! service by hand, so adding a subgraph is one line there.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use diesel_migrations::EmbeddedMigrations;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::bootstrap::StartError;
use crate::config::{ServiceConfig, ServiceName};
use crate::http::ServiceHandle;

/// A subgraph starting: migrations, background tasks, then serving.
pub type Starting<'a> =
    Pin<Box<dyn Future<Output = Result<ServiceHandle, StartError>> + Send + 'a>>;

/// Starts a subgraph with its default settings on `listener` until the token
/// is cancelled.
pub type StartFn = for<'a> fn(&'a ServiceConfig, TcpListener, CancellationToken) -> Starting<'a>;

/// One subgraph of the system.
#[derive(Clone, Copy)]
pub struct Subgraph {
    /// Its name, which also picks its port, database and configuration.
    pub name: ServiceName,
    /// Its own migrations (`migrations/<name>`), applied after the shared outbox tables.
    pub migrations: &'static EmbeddedMigrations,
    /// Its Federation v2 SDL, exactly as `{ _service { sdl } }` serves it.
    pub sdl: fn() -> String,
    pub start: StartFn,
}

impl fmt::Debug for Subgraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subgraph")
            .field("name", &self.name)
            .finish()
    }
}
