//! The service's own Postgres database: created if missing, migrated at start,
//! reached through a deadpool of diesel-async connections.

use diesel::QueryableByName;
use diesel::migration::{Migration, MigrationSource};
use diesel::pg::Pg;
use diesel::sql_types::Text;
use diesel_async::pooled_connection::deadpool::{Object, Pool, PoolError};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

use crate::config::{ServiceConfig, ServiceName, redact_url};

pub type PgPool = Pool<AsyncPgConnection>;

const POOL_WAIT: &str = "mart_db_pool_wait_seconds";
const POOL_OPEN: &str = "mart_db_pool_connections";
const POOL_IN_USE: &str = "mart_db_pool_connections_in_use";
const POOL_MAX: &str = "mart_db_pool_connections_max";
const POOL_WAITING: &str = "mart_db_pool_waiting";
pub type PgConn = Object<AsyncPgConnection>;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot connect to PostgreSQL at {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("database name {0:?} may only contain lowercase letters, digits and '_'")]
    BadName(String),
    #[error("migrating database {database} failed: {reason}")]
    Migration { database: String, reason: String },
    #[error("no database connection available: {0}")]
    Pool(#[from] PoolError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// A pool over one service's database.
#[derive(Clone)]
pub struct Database {
    pool: PgPool,
    name: String,
    /// How long [`Self::conn`] waited for a connection (a no-op until [`Self::observe`]).
    wait: mart_telemetry::Histogram,
}

impl Database {
    /// Creates the service's database if missing, runs `migrations` in order, and
    /// opens the pool.
    pub async fn open(
        config: &ServiceConfig,
        service: ServiceName,
        migrations: &[&'static EmbeddedMigrations],
    ) -> Result<Self, DbError> {
        let name = config.database_name(service);
        Self::open_named(config, &name, migrations).await
    }

    pub async fn open_named(
        config: &ServiceConfig,
        name: &str,
        migrations: &[&'static EmbeddedMigrations],
    ) -> Result<Self, DbError> {
        let tls = config.database_tls.as_ref();
        create_database(&config.database_url, name, tls).await?;
        let url = format!("{}/{}", config.database_url, name);
        run_migrations(&url, name, migrations, tls).await?;
        // A pooled connection is handed out again without a `SELECT 1` first (one
        // round trip less per checkout); one the server closed is still
        // discarded, and any other failure shows on its first query.
        let mut manager_config = ManagerConfig::default();
        manager_config.recycling_method = RecyclingMethod::Fast;
        if let Some(tls) = tls.cloned() {
            manager_config.custom_setup =
                Box::new(move |url| crate::pg_tls::establish(url.to_string(), tls.clone()));
        }
        let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
            url.clone(),
            manager_config,
        );
        // Most recently returned first: under a steady load the same few
        // connections stay busy and a burst's surplus goes idle, to be closed
        // by `memory::run` (FIFO would keep every connection warm forever).
        let pool = Pool::builder(manager)
            .max_size(config.database_pool_size)
            .queue_mode(deadpool::managed::QueueMode::Lifo)
            .build()
            .map_err(|e| DbError::Connect {
                url: redact_url(&url),
                reason: e.to_string(),
            })?;
        tracing::info!(database = name, "database ready");
        Ok(Self {
            pool,
            name: name.to_string(),
            wait: mart_telemetry::Histogram::noop(),
        })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub async fn conn(&self) -> Result<PgConn, DbError> {
        let started = std::time::Instant::now();
        let conn = self.pool.get().await;
        self.wait.record(started.elapsed().as_secs_f64());
        Ok(conn?)
    }

    /// Records connection waits in `registry` from now on, and, each time `registry` is
    /// rendered through [`crate::http::metrics_route`], the pool's size and use.
    pub fn observe(&mut self, registry: &mart_telemetry::Registry, service: &'static str) {
        registry.describe_histogram(
            POOL_WAIT,
            "Time a request (not an event consumer) waited for a database connection, in seconds",
        );
        self.wait = registry.histogram(POOL_WAIT, &[("service", service)]);
    }

    /// The help text of [`Self::record_pool`]'s gauges, once per registry.
    pub fn describe_pool(registry: &mart_telemetry::Registry) {
        registry.describe_gauge(POOL_OPEN, "Database connections open in the pool");
        registry.describe_gauge(POOL_IN_USE, "Database connections handed out");
        registry.describe_gauge(POOL_MAX, "The pool's most connections");
        registry.describe_gauge(POOL_WAITING, "Requests waiting for a database connection");
    }

    /// Sets the pool gauges in `registry`: connections open, in use and the most
    /// allowed, and requests waiting for one.
    pub fn record_pool(&self, registry: &mart_telemetry::Registry, service: &'static str) {
        let status = self.pool.status();
        let labels = [("service", service)];
        registry.gauge(POOL_OPEN, &labels).set(status.size as f64);
        registry
            .gauge(POOL_IN_USE, &labels)
            .set(status.size.saturating_sub(status.available) as f64);
        registry
            .gauge(POOL_MAX, &labels)
            .set(status.max_size as f64);
        registry
            .gauge(POOL_WAITING, &labels)
            .set(status.waiting as f64);
    }

    /// `SELECT 1` through the pool: the readiness probe.
    pub async fn ping(&self) -> Result<(), DbError> {
        let mut conn = self.conn().await?;
        diesel::sql_query("SELECT 1").execute(&mut conn).await?;
        Ok(())
    }
}

#[derive(QueryableByName)]
struct DatName {
    #[diesel(sql_type = Text)]
    datname: String,
}

fn validate_name(name: &str) -> Result<(), DbError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(DbError::BadName(name.to_string()))
    }
}

async fn connect(url: &str) -> Result<AsyncPgConnection, DbError> {
    connect_with(url, None).await
}

/// A connection to `url`, over `tls` when given (`MART_DATABASE_TLS`).
async fn connect_with(url: &str, tls: Option<&TlsConfig>) -> Result<AsyncPgConnection, DbError> {
    let connected = match tls {
        Some(tls) => crate::pg_tls::establish(url.to_string(), tls.clone()).await,
        None => AsyncPgConnection::establish(url).await,
    };
    connected.map_err(|e| DbError::Connect {
        url: redact_url(url),
        reason: e.to_string(),
    })
}

type TlsConfig = std::sync::Arc<rustls::ClientConfig>;

/// Idempotent and safe against another process creating the same database at the
/// same moment.
pub async fn create_database_if_missing(server_url: &str, name: &str) -> Result<(), DbError> {
    create_database(server_url, name, None).await
}

async fn create_database(
    server_url: &str,
    name: &str,
    tls: Option<&TlsConfig>,
) -> Result<(), DbError> {
    validate_name(name)?;
    let mut conn = connect_with(&format!("{server_url}/postgres"), tls).await?;
    let existing: Vec<DatName> =
        diesel::sql_query("SELECT datname::text AS datname FROM pg_database WHERE datname = $1")
            .bind::<Text, _>(name)
            .load(&mut conn)
            .await?;
    if !existing.is_empty() {
        return Ok(());
    }
    // The name was validated above: identifiers cannot be bound as parameters.
    match diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
    {
        Ok(_) => {
            tracing::info!(database = name, "created database");
            Ok(())
        }
        Err(diesel::result::Error::DatabaseError(kind, info))
            if matches!(kind, diesel::result::DatabaseErrorKind::UniqueViolation)
                || info.message().contains("already exists") =>
        {
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Drops a database (tests clean up after themselves with it).
pub async fn drop_database(server_url: &str, name: &str) -> Result<(), DbError> {
    validate_name(name)?;
    let mut conn = connect(&format!("{server_url}/postgres")).await?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Drops every database whose name starts with `prefix` (a test's
/// `database_prefix`), whatever the test created under it.
pub async fn drop_databases_with_prefix(server_url: &str, prefix: &str) -> Result<(), DbError> {
    validate_name(prefix)?;
    let mut conn = connect(&format!("{server_url}/postgres")).await?;
    let names: Vec<DatName> = diesel::sql_query(
        "SELECT datname::text AS datname FROM pg_database WHERE starts_with(datname, $1)",
    )
    .bind::<Text, _>(prefix)
    .load(&mut conn)
    .await?;
    for DatName { datname } in names {
        validate_name(&datname)?;
        diesel::sql_query(format!(
            "DROP DATABASE IF EXISTS \"{datname}\" WITH (FORCE)"
        ))
        .execute(&mut conn)
        .await?;
    }
    Ok(())
}

/// Runs under a session advisory lock so that two instances starting together do
/// not apply the same migration twice. Needs a multi-thread tokio runtime: the
/// harness blocks in place.
async fn run_migrations(
    url: &str,
    database: &str,
    migrations: &[&'static EmbeddedMigrations],
    tls: Option<&TlsConfig>,
) -> Result<(), DbError> {
    let mut conn = connect_with(url, tls).await?;
    diesel::sql_query("SELECT pg_advisory_lock(7263540)")
        .execute(&mut conn)
        .await?;
    let mut harness = AsyncMigrationHarness::new(conn);
    let result = harness
        .run_pending_migrations(Sources(migrations))
        .map(|_| ())
        .map_err(|e| DbError::Migration {
            database: database.to_string(),
            reason: e.to_string(),
        });
    let mut conn = harness.into_inner();
    diesel::sql_query("SELECT pg_advisory_unlock(7263540)")
        .execute(&mut conn)
        .await?;
    result
}

/// Several embedded sets (the service's own and the shared outbox tables) applied
/// as one ordered list.
struct Sources<'a>(&'a [&'static EmbeddedMigrations]);

impl MigrationSource<Pg> for Sources<'_> {
    fn migrations(&self) -> diesel::migration::Result<Vec<Box<dyn Migration<Pg>>>> {
        let mut all = Vec::new();
        for source in self.0 {
            all.extend(MigrationSource::<Pg>::migrations(*source)?);
        }
        Ok(all)
    }
}
