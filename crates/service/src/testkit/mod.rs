//! Helpers for integration tests: every test gets its own databases and topics, so
//! tests run in parallel and can be rerun.

mod broker;
pub mod clients;
mod service;
pub mod tls;

use std::time::{Duration, Instant};

pub use broker::{Broker, free_port};
pub use service::TestService;

use crate::config::ServiceConfig;

/// A configuration whose database and topic prefixes are unique to this call; the
/// servers come from the environment (`MART_DATABASE_URL`, `MART_KAFKA_BROKERS`, …)
/// or the defaults.
pub fn isolated_config(label: &str) -> ServiceConfig {
    let mut config = ServiceConfig::from_env().expect("test environment configuration");
    let unique = unique_suffix();
    let label: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(20)
        .collect();
    config.database_prefix = format!("t_{label}_{unique}_");
    config.topic_prefix = format!("t.{label}.{unique}.");
    // Services started from this configuration share a payment token key, and no key
    // file lands in the crate's directory.
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).expect("the operating system's random source");
    config.payment_token_key = Some(key.iter().map(|b| format!("{b:02x}")).collect());
    config
}

/// Drops, when it goes out of scope, every database created under a test's
/// `database_prefix`: also when the test panics, so reruns leave nothing behind.
/// Hold one beside each [`isolated_config`] whose databases are not dropped
/// otherwise.
#[must_use = "the databases are dropped when the guard is"]
pub struct DropDatabases {
    server_url: String,
    prefix: String,
}

impl DropDatabases {
    pub fn new(config: &ServiceConfig) -> Self {
        Self {
            server_url: config.database_url.clone(),
            prefix: config.database_prefix.clone(),
        }
    }
}

impl Drop for DropDatabases {
    fn drop(&mut self) {
        let (url, prefix) = (self.server_url.clone(), self.prefix.clone());
        // Drop cannot await, and the test's runtime may be the one unwinding: a
        // thread with its own runtime does the work, and the guard waits for it.
        let done = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop test databases");
            runtime.block_on(crate::db::drop_databases_with_prefix(&url, &prefix))
        })
        .join();
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop the test databases {}*: {e}", self.prefix),
            Err(_) => eprintln!("dropping the test databases {}* panicked", self.prefix),
        }
    }
}

/// Twelve lowercase hex digits from the clock and the process id.
pub fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mixed =
        nanos ^ (u64::from(std::process::id()) << 32) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!("{:012x}", mixed & 0xFFFF_FFFF_FFFF)
}

/// Polls `probe` until it returns `Some`, or panics with `what` after `timeout`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A token issuer for tests of a subgraph that runs without the users service:
/// it serves its public keys as a JWKS over real HTTP and points `config` at it,
/// so the subgraph verifies tokens exactly as in production.
pub struct TestAuth {
    issuer: mart_auth::TokenIssuer,
    shutdown: tokio_util::sync::CancellationToken,
}

impl TestAuth {
    pub async fn start(config: &mut ServiceConfig) -> Self {
        let (key, _pem) = mart_auth::SigningKey::generate_ed25519().expect("a test signing key");
        let issuer = mart_auth::TokenIssuer::new(
            mart_auth::KeySet::new(key),
            mart_auth::TokenSettings {
                issuer: config.auth.issuer.clone(),
                audience: config.auth.audience.clone(),
                access_token_ttl: Duration::from_secs(900),
            },
        );
        let jwks = issuer.keys().jwks();
        let app = axum::Router::new().route(
            mart_auth::JWKS_PATH,
            axum::routing::get(move || {
                let jwks = jwks.clone();
                async move { axum::Json(jwks) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the JWKS server");
        let shutdown = tokio_util::sync::CancellationToken::new();
        let handle = crate::http::spawn_server("test-jwks", listener, app, shutdown.clone())
            .expect("serve the JWKS");
        config.auth.jwks_url = Some(format!("http://{}{}", handle.addr, mart_auth::JWKS_PATH));
        Self { issuer, shutdown }
    }

    /// A valid access token for a new user with `role`.
    pub fn token(&self, role: mart_auth::Role) -> String {
        self.token_for(uuid::Uuid::now_v7(), role)
    }

    pub fn token_for(&self, user: uuid::Uuid, role: mart_auth::Role) -> String {
        self.issuer.issue(user, role).expect("a signed token").token
    }
}

impl Drop for TestAuth {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
