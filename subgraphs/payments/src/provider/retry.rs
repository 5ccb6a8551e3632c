//! Retrying a provider call while it fails transiently, with backoff.

use std::future::Future;
use std::time::Duration;

use super::ProviderError;

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included. Default 4.
    pub max_attempts: u32,
    /// Pause before the first retry; doubled each time. Default 50 ms.
    pub backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            backoff: Duration::from_millis(50),
        }
    }
}

/// Runs `call` until it succeeds, is refused, or `policy.max_attempts` transient
/// failures happened (the last error is returned). The call must reuse its
/// idempotency key so a retry after a lost answer does not act twice.
pub async fn with_retries<T, F, Fut>(policy: RetryPolicy, mut call: F) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let mut backoff = policy.backoff;
    let mut attempt = 1;
    loop {
        match call().await {
            Err(ProviderError::Transient(reason)) if attempt < policy.max_attempts => {
                tracing::warn!(attempt, reason, retry_in = ?backoff, "payment processor failed, retrying");
                tokio::time::sleep(backoff).await;
                backoff *= 2;
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn fast() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            backoff: Duration::from_millis(1),
        }
    }

    #[tokio::test]
    async fn transient_failures_are_retried_a_bounded_number_of_times() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = with_retries(fast(), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(ProviderError::Transient("503".into()))
        })
        .await;
        assert_eq!(result, Err(ProviderError::Transient("503".into())));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_later_success_wins_and_refusals_are_not_retried() {
        let calls = AtomicU32::new(0);
        let result = with_retries(fast(), || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 => Err(ProviderError::Transient("timeout".into())),
                n => Ok(n),
            }
        })
        .await;
        assert_eq!(result, Ok(1));
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = with_retries(fast(), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(ProviderError::Refused("voided".into()))
        })
        .await;
        assert!(matches!(result, Err(ProviderError::Refused(_))));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
