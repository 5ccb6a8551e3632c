//! The users subgraph: accounts (`User @key(fields: "id")`), addresses, and
//! sign-in with short-lived access tokens (EdDSA JWTs) and rotating refresh
//! tokens. It publishes its public keys at `/.well-known/jwks.json` for the
//! router and the other subgraphs, and emits `user.registered` through the
//! transactional outbox.
//!
//! Layout: [`domain`] holds the rules (plain functions and the [`Accounts`]
//! service object), [`storage`] the Diesel queries, `graphql` the thin schema.

pub mod domain;
mod emit;
mod graphql;
mod http;
pub mod keys;
mod seed;
pub mod storage;

use std::sync::Arc;
use std::time::Duration;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use mart_service::{
    Bootstrap, Database, ServiceConfig, ServiceHandle, ServiceName, StartError, Subgraph,
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use domain::password::generate as generate_password;
pub use domain::{Accounts, EnsureOutcome, Policy, User, UsersError};
pub use mart_auth::Role;
pub use seed::{DemoAccount, SeedError, seed};

pub const SERVICE: ServiceName = ServiceName::Users;

/// `migrations/users`, applied after the shared outbox tables.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/users");

/// This subgraph, as the system's registry (`src/registry.rs`) lists it.
pub const SUBGRAPH: Subgraph = Subgraph {
    name: SERVICE,
    migrations: &MIGRATIONS,
    sdl,
    start: |config, listener, shutdown| Box::pin(start(config, listener, shutdown)),
};

/// How often expired refresh tokens and stale sign-in failures are deleted.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(600);

/// The subgraph's Federation v2 SDL, exactly as `{ _service { sdl } }` serves it.
pub fn sdl() -> String {
    graphql::sdl()
}

/// The account rules as configured, for callers outside a running service
/// (`mart admin create`, `mart seed`): opens and migrates the database too.
pub async fn accounts(config: &ServiceConfig) -> Result<Accounts, StartError> {
    let db = Database::open(config, SERVICE, &[&mart_events::MIGRATIONS, &MIGRATIONS]).await?;
    let issuer = keys::issuer(config).map_err(key_error)?;
    Ok(Accounts::new(
        db,
        mart_events::OutboxSignal::new(),
        Arc::new(issuer),
        policy(config),
    ))
}

fn policy(config: &ServiceConfig) -> Policy {
    Policy {
        refresh_token_ttl: config.auth.refresh_token_ttl,
        max_address_registrations: i64::from(config.registrations_per_address),
        ..Policy::default()
    }
}

fn key_error(e: mart_auth::KeyError) -> StartError {
    StartError::Io(std::io::Error::other(e.to_string()))
}

/// Loads (or on first start generates) the signing key, migrates the
/// database, starts the outbox relay and serves GraphQL and the JWKS on
/// `listener` until `shutdown`.
pub async fn start(
    config: &ServiceConfig,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<ServiceHandle, StartError> {
    let issuer = Arc::new(keys::issuer(config).map_err(key_error)?);
    let mut boot = Bootstrap::start(config, SERVICE, &MIGRATIONS, shutdown).await?;
    let accounts = Accounts::new(
        boot.db.clone(),
        boot.outbox.clone(),
        issuer.clone(),
        policy(config),
    );
    // Pay for the dummy hash now, not on the first sign-in with an unknown
    // email (which would then be measurably slower than a wrong password).
    tokio::task::spawn_blocking(domain::password::dummy_hash)
        .await
        .map_err(|e| StartError::Io(std::io::Error::other(e.to_string())))?;
    boot.spawn(housekeeping(accounts.clone(), boot.shutdown.clone()));

    // The users service trusts its own keys directly: no HTTP round trip to
    // itself, and it verifies exactly what it signs.
    let verifier = Arc::new(issuer.local_verifier(config.auth.leeway));
    let schema = graphql::schema(accounts);
    let graphql = mart_service::graphql::routes_with_verifier(schema, verifier);
    let app = graphql.merge(http::jwks_routes(issuer.keys().jwks()));
    boot.serve(listener, app)
}

async fn housekeeping(accounts: Accounts, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(HOUSEKEEPING_EVERY);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {
                if let Err(e) = accounts.forget_expired().await {
                    tracing::warn!(error = %e, "housekeeping failed");
                }
            }
        }
    }
}
