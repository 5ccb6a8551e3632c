//! A JWKS fetched over HTTP: loaded on first use, cached, refetched when a
//! token names a `kid` the cache lacks (the issuer rotated its key) and when
//! the cache is older than `refresh_every`. Fetches are serialised and
//! throttled, so tokens with random `kid`s cannot make us hammer the issuer.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey};

use crate::verifier::{KeyMap, VerifyError};

/// The JWKS document type served at `/.well-known/jwks.json`.
pub type JwksDocument = JwkSet;

/// How a remote JWKS is kept fresh.
#[derive(Debug, Clone)]
pub struct JwksOptions {
    /// Refetch when the cached keys are older than this (default 5 minutes).
    pub refresh_every: Duration,
    /// At most one refetch per this interval once keys are cached, whatever
    /// tokens arrive (default 10 seconds).
    pub min_refetch_interval: Duration,
    /// Time limit of one fetch (default 5 seconds).
    pub fetch_timeout: Duration,
}

impl Default for JwksOptions {
    fn default() -> Self {
        Self {
            refresh_every: Duration::from_secs(300),
            min_refetch_interval: Duration::from_secs(10),
            fetch_timeout: Duration::from_secs(5),
        }
    }
}

#[derive(Default)]
struct Cache {
    keys: Arc<KeyMap>,
    loaded_at: Option<Instant>,
    attempted_at: Option<Instant>,
    last_error: Option<String>,
}

pub(crate) struct RemoteJwks {
    url: String,
    options: JwksOptions,
    client: reqwest::Client,
    cache: RwLock<Cache>,
    fetching: tokio::sync::Mutex<()>,
}

impl RemoteJwks {
    pub(crate) fn new(url: String, options: JwksOptions) -> Self {
        let client = crate::tls::client_builder()
            .timeout(options.fetch_timeout)
            .build()
            .expect("an HTTP client with valid roots builds");
        Self {
            url,
            options,
            client,
            cache: RwLock::default(),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The key named `kid`, fetching or refetching the JWKS when needed.
    pub(crate) async fn key(&self, kid: &str) -> Result<(Algorithm, DecodingKey), VerifyError> {
        let options = self.options.clone();
        self.refresh_if(|c| match c.loaded_at {
            // Nothing cached: every request may try, one at a time.
            None => true,
            Some(at) => at.elapsed() >= options.refresh_every && throttle_passed(c, &options),
        })
        .await;
        if let Some(key) = self.lookup(kid) {
            return Ok(key);
        }
        // Perhaps the issuer rotated its key since the last fetch.
        self.refresh_if(|c| throttle_passed(c, &options)).await;
        if let Some(key) = self.lookup(kid) {
            return Ok(key);
        }
        let cache = self.cache.read().expect("jwks cache lock");
        match (&cache.loaded_at, &cache.last_error) {
            (None, Some(error)) => Err(VerifyError::KeysUnavailable(error.clone())),
            _ => Err(VerifyError::UnknownKey),
        }
    }

    fn lookup(&self, kid: &str) -> Option<(Algorithm, DecodingKey)> {
        self.cache.read().expect("jwks cache lock").keys.get(kid)
    }

    /// Fetches when `due` holds, re-checked once this caller holds the fetch
    /// lock (another caller may have just fetched). A failed fetch keeps the
    /// keys already cached.
    async fn refresh_if(&self, due: impl Fn(&Cache) -> bool) {
        if !due(&self.cache.read().expect("jwks cache lock")) {
            return;
        }
        let _fetching = self.fetching.lock().await;
        if !due(&self.cache.read().expect("jwks cache lock")) {
            return;
        }
        let result = self.fetch().await;
        let mut cache = self.cache.write().expect("jwks cache lock");
        let now = Instant::now();
        cache.attempted_at = Some(now);
        match result {
            Ok(jwks) => {
                let keys = KeyMap::from_jwks(&jwks);
                tracing::debug!(url = %self.url, keys = keys.len(), "fetched the JWKS");
                cache.keys = Arc::new(keys);
                cache.loaded_at = Some(now);
                cache.last_error = None;
            }
            Err(error) => {
                tracing::warn!(url = %self.url, %error, "fetching the JWKS failed");
                cache.last_error = Some(error);
            }
        }
    }

    async fn fetch(&self) -> Result<JwkSet, String> {
        let response = self
            .client
            .get(&self.url)
            .send()
            .await
            .map_err(|e| format!("GET {}: {e}", self.url))?;
        if !response.status().is_success() {
            return Err(format!("GET {}: HTTP {}", self.url, response.status()));
        }
        response
            .json::<JwkSet>()
            .await
            .map_err(|e| format!("GET {}: not a JWKS: {e}", self.url))
    }
}

fn throttle_passed(cache: &Cache, options: &JwksOptions) -> bool {
    cache
        .attempted_at
        .is_none_or(|at| at.elapsed() >= options.min_refetch_interval)
}
