//! Calling another subgraph's GraphQL endpoint synchronously: each attempt has a
//! timeout, transient failures are retried a bounded number of times with
//! backoff inside an overall deadline, and a circuit breaker answers at once
//! while the dependency is down.

use std::time::{Duration, Instant};

use crate::identity::AccessToken;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::breaker::{BreakerSettings, CircuitBreaker};

#[derive(Debug, Clone, Copy)]
pub struct CallPolicy {
    /// Limit of one HTTP attempt. Default 1 s.
    pub attempt_timeout: Duration,
    /// Attempts in all, the first included. Default 3.
    pub max_attempts: u32,
    /// Pause before the first retry; doubled each time. Default 50 ms.
    pub backoff: Duration,
    /// Limit of the whole call, retries included. Default 2.5 s.
    pub deadline: Duration,
    pub breaker: BreakerSettings,
}

impl Default for CallPolicy {
    fn default() -> Self {
        Self {
            attempt_timeout: Duration::from_secs(1),
            max_attempts: 3,
            backoff: Duration::from_millis(50),
            deadline: Duration::from_millis(2500),
            breaker: BreakerSettings::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// Down, slow, or refusing: the caller answers SERVICE_UNAVAILABLE.
    #[error("{service} is unavailable: {reason}")]
    Unavailable {
        service: &'static str,
        reason: String,
    },
    /// It answered with a GraphQL error carrying `code` (e.g. `UNAUTHENTICATED`
    /// when it did not accept the caller's token).
    #[error("{service} refused the call with {code}: {message}")]
    Refused {
        service: &'static str,
        code: String,
        message: String,
    },
    /// It answered, but not what we asked for: a bug on one side.
    #[error("{service} answered unexpectedly: {reason}")]
    Invalid {
        service: &'static str,
        reason: String,
    },
}

pub struct GraphqlClient {
    service: &'static str,
    url: String,
    http: reqwest::Client,
    policy: CallPolicy,
    breaker: CircuitBreaker,
    signer: Option<mart_auth::RequestSigner>,
}

#[derive(Deserialize)]
struct Response<T> {
    data: Option<T>,
    #[serde(default)]
    errors: Vec<Value>,
}

enum Attempt<T> {
    Done(T),
    Retry(String),
    Fail(UpstreamError),
}

impl GraphqlClient {
    /// A client of the subgraph `service` as `config` reaches it (its URL, and the
    /// shared secret its calls are signed with, if any).
    pub fn to(
        config: &crate::ServiceConfig,
        service: crate::ServiceName,
        policy: CallPolicy,
    ) -> Self {
        Self::new(
            service.as_str(),
            config.graphql_url(service),
            policy,
            config.request_signer.clone(),
        )
    }

    pub fn new(
        service: &'static str,
        url: String,
        policy: CallPolicy,
        signer: Option<mart_auth::RequestSigner>,
    ) -> Self {
        let http = mart_auth::tls::client_builder()
            .timeout(policy.attempt_timeout)
            .connect_timeout(policy.attempt_timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client with valid roots builds");
        Self {
            service,
            url,
            http,
            policy,
            breaker: CircuitBreaker::new(policy.breaker),
            signer,
        }
    }

    fn unavailable(&self, reason: impl Into<String>) -> UpstreamError {
        UpstreamError::Unavailable {
            service: self.service,
            reason: reason.into(),
        }
    }

    /// Runs `query` with `variables` and decodes `data` as `T`.
    pub async fn query<T: DeserializeOwned>(
        &self,
        query: &str,
        variables: Value,
    ) -> Result<T, UpstreamError> {
        self.call(query, variables, None).await
    }

    /// [`Self::query`] on behalf of the caller whose access token this is: the
    /// dependency decides what they may see.
    pub async fn query_as<T: DeserializeOwned>(
        &self,
        token: &AccessToken,
        query: &str,
        variables: Value,
    ) -> Result<T, UpstreamError> {
        self.call(query, variables, Some(token)).await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        query: &str,
        variables: Value,
        token: Option<&AccessToken>,
    ) -> Result<T, UpstreamError> {
        let started = Instant::now();
        let body = json!({ "query": query, "variables": variables });
        let mut backoff = self.policy.backoff;
        let mut last_reason = String::new();
        for attempt in 1..=self.policy.max_attempts {
            if !self.breaker.allow() {
                return Err(self.unavailable("circuit open after repeated failures"));
            }
            let remaining = self.policy.deadline.saturating_sub(started.elapsed());
            if remaining.is_zero() {
                break;
            }
            let timeout = remaining.min(self.policy.attempt_timeout);
            match tokio::time::timeout(timeout, self.attempt::<T>(&body, token)).await {
                Ok(Attempt::Done(value)) => {
                    self.breaker.record_success();
                    return Ok(value);
                }
                Ok(Attempt::Fail(e)) => {
                    // It answered: the dependency is up even if the answer is odd.
                    self.breaker.record_success();
                    return Err(e);
                }
                Ok(Attempt::Retry(reason)) => last_reason = reason,
                Err(_) => last_reason = format!("no answer within {timeout:?}"),
            }
            self.breaker.record_failure();
            tracing::warn!(
                service = self.service,
                attempt,
                reason = last_reason,
                "upstream call failed"
            );
            if attempt < self.policy.max_attempts {
                let pause = backoff.min(self.policy.deadline.saturating_sub(started.elapsed()));
                tokio::time::sleep(pause).await;
                backoff *= 2;
            }
        }
        Err(self.unavailable(last_reason))
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        body: &Value,
        token: Option<&AccessToken>,
    ) -> Attempt<T> {
        // Serialized here so that the signature covers exactly the bytes sent.
        let bytes = match serde_json::to_vec(body) {
            Ok(bytes) => bytes,
            Err(e) => {
                return Attempt::Fail(UpstreamError::Invalid {
                    service: self.service,
                    reason: e.to_string(),
                });
            }
        };
        let mut request = self
            .http
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        if let Some(signer) = &self.signer {
            request = request.header(mart_auth::SIGNATURE_HEADER, signer.sign(&bytes));
        }
        let mut request = request.body(bytes);
        if let Some(token) = token {
            request = request.bearer_auth(token.as_str());
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Attempt::Retry(e.to_string()),
        };
        let status = response.status();
        if status.is_server_error() || status.as_u16() == 429 {
            return Attempt::Retry(format!("HTTP {status}"));
        }
        let parsed: Response<T> = match response.json().await {
            Ok(p) => p,
            Err(e) if status.is_success() => {
                return Attempt::Fail(UpstreamError::Invalid {
                    service: self.service,
                    reason: e.to_string(),
                });
            }
            Err(_) => return Attempt::Retry(format!("HTTP {status}")),
        };
        if let Some(code) = parsed.errors.first().and_then(error_code) {
            let message = parsed.errors[0]["message"].as_str().unwrap_or_default();
            return Attempt::Fail(UpstreamError::Refused {
                service: self.service,
                code: code.to_string(),
                message: message.to_string(),
            });
        }
        match (parsed.data, parsed.errors.is_empty()) {
            (Some(data), true) => Attempt::Done(data),
            (_, _) => Attempt::Fail(UpstreamError::Invalid {
                service: self.service,
                reason: format!("GraphQL errors: {}", Value::Array(parsed.errors)),
            }),
        }
    }
}

fn error_code(error: &Value) -> Option<&str> {
    error["extensions"]["code"].as_str()
}
