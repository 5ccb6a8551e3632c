//! Redis connections and channel names shared by the publisher and the live
//! subscriptions.

use std::time::Duration;

use uuid::Uuid;

/// The production channel prefix: `mart:notifications:<userId>`.
pub const DEFAULT_CHANNEL_PREFIX: &str = "mart:notifications:";

/// A Redis operation that takes longer than this counts as failed: an outage
/// must not stall the publisher or a subscription indefinitely.
pub const REDIS_TIMEOUT: Duration = Duration::from_secs(2);

/// First and longest wait between reconnection attempts.
pub const BACKOFF_MIN: Duration = Duration::from_millis(50);
pub const BACKOFF_MAX: Duration = Duration::from_secs(2);

/// A client of `url`: `redis://` plain, `rediss://` over TLS (rustls), the server's
/// certificate verified against the private CAs of `MART_TLS_CA_FILE` when there are
/// any, else against the system's trust store.
pub fn client(url: &str) -> redis::RedisResult<redis::Client> {
    if !url.starts_with("rediss://") {
        return redis::Client::open(url);
    }
    let private = mart_auth::tls::extra_pem();
    let root_cert = (!private.is_empty()).then(|| private.concat());
    redis::Client::build_with_tls(
        url,
        redis::TlsCertificates {
            client_tls: None,
            root_cert,
        },
    )
}

#[derive(Clone)]
pub struct Redis {
    pub client: redis::Client,
    /// Prepended to the user id to name a user's channel.
    pub channel_prefix: String,
}

impl Redis {
    pub fn channel(&self, user: Uuid) -> String {
        format!("{}{user}", self.channel_prefix)
    }
}

/// Doubles `backoff` up to [`BACKOFF_MAX`].
pub fn next_backoff(backoff: Duration) -> Duration {
    (backoff * 2).min(BACKOFF_MAX)
}

#[derive(Debug, thiserror::Error)]
pub enum RedisFailure {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("redis did not answer within {REDIS_TIMEOUT:?}")]
    Timeout,
}

/// `operation`, failing after [`REDIS_TIMEOUT`].
pub async fn bounded<T>(
    operation: impl Future<Output = redis::RedisResult<T>>,
) -> Result<T, RedisFailure> {
    match tokio::time::timeout(REDIS_TIMEOUT, operation).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(RedisFailure::Timeout),
    }
}
