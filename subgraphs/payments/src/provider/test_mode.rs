//! A card processor's test mode, in memory: deterministic tokens and real
//! idempotency. `tok_ok` authorizes, `tok_declined` declines, `tok_error` fails
//! transiently on every attempt (the caller retries, then gives up); any other
//! token is declined as invalid.
//!
//! It remembers the newest [`REMEMBERED`] authorizations, holds and operation
//! keys and forgets older ones, so that a long run's memory stays flat.

use std::sync::Mutex;

use futures::future::BoxFuture;

use super::recent::Recent;
use super::{Authorization, AuthorizeRequest, PaymentProvider, ProviderError};

/// Authorizations, holds and operation keys remembered. A saga captures or
/// voids within seconds of authorizing and retries a call within a minute, so
/// this is minutes of traffic at the benchmark's 100 orders/s; each table is
/// sized for twice this from the start (see [`super::recent`]). A refund of a
/// hold forgotten since is refused as "no hold".
pub const REMEMBERED: usize = 20_000;

pub const TOKEN_OK: &str = "tok_ok";
pub const TOKEN_DECLINED: &str = "tok_declined";
pub const TOKEN_ERROR: &str = "tok_error";

/// A hold as the processor sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    pub reference: String,
    /// The key of the authorization that created it.
    pub idempotency_key: String,
    pub amount_minor: i64,
    pub currency: String,
    pub captured_minor: i64,
    pub refunded_minor: i64,
    pub voided: bool,
}

struct Ledger {
    /// First answer per authorization key, replayed for a repeated key.
    authorizations: Recent<String, Authorization>,
    /// First answer per capture/void/refund key.
    operations: Recent<String, Result<(), ProviderError>>,
    /// By reference.
    holds: Recent<String, Hold>,
    holds_made: u64,
    transient_failures: u64,
}

impl Default for Ledger {
    fn default() -> Self {
        Self {
            authorizations: Recent::new(REMEMBERED),
            operations: Recent::new(REMEMBERED),
            holds: Recent::new(REMEMBERED),
            holds_made: 0,
            transient_failures: 0,
        }
    }
}

#[derive(Default)]
pub struct TestModeProvider {
    ledger: Mutex<Ledger>,
}

impl TestModeProvider {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many authorizations, holds and operation keys it remembers now.
    pub fn remembered(&self) -> usize {
        let ledger = self.ledger();
        ledger.authorizations.len() + ledger.operations.len() + ledger.holds.len()
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The holds approved (the newest [`REMEMBERED`]), in order: a test's
    /// view of what was charged.
    pub fn holds(&self) -> Vec<Hold> {
        self.ledger().holds.values().cloned().collect()
    }

    /// How many calls failed transiently (each `tok_error` attempt).
    pub fn transient_failures(&self) -> u64 {
        self.ledger().transient_failures
    }

    fn authorize_now(&self, request: &AuthorizeRequest) -> Result<Authorization, ProviderError> {
        let mut ledger = self.ledger();
        if let Some(answer) = ledger.authorizations.get(&request.idempotency_key) {
            return Ok(answer.clone());
        }
        let answer = match request.token.as_str() {
            TOKEN_ERROR => {
                ledger.transient_failures += 1;
                return Err(ProviderError::Transient(
                    "processor timeout (tok_error)".into(),
                ));
            }
            TOKEN_OK => {
                ledger.holds_made += 1;
                let reference = format!("auth_{}", ledger.holds_made);
                let hold = Hold {
                    reference: reference.clone(),
                    idempotency_key: request.idempotency_key.clone(),
                    amount_minor: request.amount_minor,
                    currency: request.currency.clone(),
                    captured_minor: 0,
                    refunded_minor: 0,
                    voided: false,
                };
                ledger.holds.insert(reference.clone(), hold);
                Authorization::Approved { reference }
            }
            TOKEN_DECLINED => Authorization::Declined {
                reason: "card_declined".into(),
            },
            _ => Authorization::Declined {
                reason: "invalid_token".into(),
            },
        };
        ledger
            .authorizations
            .insert(request.idempotency_key.clone(), answer.clone());
        Ok(answer)
    }

    /// Applies `change` to the hold `reference` once per `key`.
    fn operate(
        &self,
        key: String,
        reference: &str,
        change: impl FnOnce(&mut Hold) -> Result<(), ProviderError>,
    ) -> Result<(), ProviderError> {
        let mut ledger = self.ledger();
        if let Some(answer) = ledger.operations.get(&key) {
            return answer.clone();
        }
        let answer = match ledger.holds.get_mut(reference) {
            Some(hold) => change(hold),
            None => Err(ProviderError::Refused(format!("no hold {reference}"))),
        };
        ledger.operations.insert(key, answer.clone());
        answer
    }
}

impl PaymentProvider for TestModeProvider {
    fn authorize(
        &self,
        request: AuthorizeRequest,
    ) -> BoxFuture<'_, Result<Authorization, ProviderError>> {
        Box::pin(async move { self.authorize_now(&request) })
    }

    fn capture(
        &self,
        idempotency_key: String,
        reference: String,
        amount_minor: i64,
    ) -> BoxFuture<'_, Result<(), ProviderError>> {
        Box::pin(async move {
            self.operate(idempotency_key, &reference, |hold| {
                if hold.voided || hold.captured_minor > 0 || amount_minor > hold.amount_minor {
                    return Err(ProviderError::Refused("hold cannot be captured".into()));
                }
                hold.captured_minor = amount_minor;
                Ok(())
            })
        })
    }

    fn void(
        &self,
        idempotency_key: String,
        reference: String,
    ) -> BoxFuture<'_, Result<(), ProviderError>> {
        Box::pin(async move {
            self.operate(idempotency_key, &reference, |hold| {
                if hold.captured_minor > 0 {
                    return Err(ProviderError::Refused(
                        "a captured hold cannot be voided".into(),
                    ));
                }
                hold.voided = true;
                Ok(())
            })
        })
    }

    fn refund(
        &self,
        idempotency_key: String,
        reference: String,
        amount_minor: i64,
    ) -> BoxFuture<'_, Result<(), ProviderError>> {
        Box::pin(async move {
            self.operate(idempotency_key, &reference, |hold| {
                if amount_minor <= 0 || hold.refunded_minor + amount_minor > hold.captured_minor {
                    return Err(ProviderError::Refused(
                        "refund exceeds the captured amount".into(),
                    ));
                }
                hold.refunded_minor += amount_minor;
                Ok(())
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(key: &str, token: &str) -> AuthorizeRequest {
        AuthorizeRequest {
            idempotency_key: key.into(),
            token: token.into(),
            amount_minor: 1000,
            currency: "EUR".into(),
        }
    }

    #[tokio::test]
    async fn test_tokens_behave_as_documented() {
        let p = TestModeProvider::new();
        assert!(matches!(
            p.authorize(request("a", TOKEN_OK)).await,
            Ok(Authorization::Approved { .. })
        ));
        assert_eq!(
            p.authorize(request("b", TOKEN_DECLINED)).await,
            Ok(Authorization::Declined {
                reason: "card_declined".into()
            })
        );
        assert!(matches!(
            p.authorize(request("c", TOKEN_ERROR)).await,
            Err(ProviderError::Transient(_))
        ));
        assert!(matches!(
            p.authorize(request("c", TOKEN_ERROR)).await,
            Err(ProviderError::Transient(_))
        ));
        assert_eq!(p.transient_failures(), 2);
    }

    #[tokio::test]
    async fn a_repeated_key_never_charges_twice() {
        let p = TestModeProvider::new();
        let first = p.authorize(request("order-1", TOKEN_OK)).await.unwrap();
        let again = p.authorize(request("order-1", TOKEN_OK)).await.unwrap();
        assert_eq!(first, again);
        assert_eq!(p.holds().len(), 1);
        let Authorization::Approved { reference } = first else {
            panic!()
        };
        p.capture("cap-1".into(), reference.clone(), 1000)
            .await
            .unwrap();
        p.capture("cap-1".into(), reference.clone(), 1000)
            .await
            .unwrap();
        assert_eq!(p.holds()[0].captured_minor, 1000);
        assert!(
            p.void("void-1".into(), reference).await.is_err(),
            "captured holds cannot be voided"
        );
    }

    #[tokio::test]
    async fn refunds_stay_within_the_captured_amount() {
        let p = TestModeProvider::new();
        let Authorization::Approved { reference } =
            p.authorize(request("k", TOKEN_OK)).await.unwrap()
        else {
            panic!()
        };
        p.capture("c".into(), reference.clone(), 1000)
            .await
            .unwrap();
        p.refund("r1".into(), reference.clone(), 600).await.unwrap();
        assert!(p.refund("r2".into(), reference.clone(), 600).await.is_err());
        p.refund("r3".into(), reference, 400).await.unwrap();
        assert_eq!(p.holds()[0].refunded_minor, 1000);
    }

    #[tokio::test]
    async fn a_long_run_is_remembered_only_in_part() {
        let p = TestModeProvider::new();
        for i in 0..REMEMBERED + 500 {
            let Authorization::Approved { reference } = p
                .authorize(request(&format!("a{i}"), TOKEN_OK))
                .await
                .unwrap()
            else {
                panic!()
            };
            p.capture(format!("c{i}"), reference, 1000).await.unwrap();
        }
        assert_eq!(p.remembered(), 3 * REMEMBERED);
        let holds = p.holds();
        assert_eq!(holds.len(), REMEMBERED);
        let newest = holds.last().unwrap();
        assert_eq!(newest.idempotency_key, format!("a{}", REMEMBERED + 499));
        assert_eq!(newest.captured_minor, 1000);
    }
}
