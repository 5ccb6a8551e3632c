//! The payment-provider port: what payments needs from a card processor. Every
//! call carries an idempotency key; a processor answers a repeated key with the
//! first answer, so a retried call never charges twice.

mod recent;
mod retry;
mod test_mode;

use futures::future::BoxFuture;

pub use retry::{RetryPolicy, with_retries};
pub use test_mode::TestModeProvider;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizeRequest {
    pub idempotency_key: String,
    pub token: String,
    pub amount_minor: i64,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorization {
    /// The amount is held; `reference` names the hold at the processor.
    Approved {
        reference: String,
    },
    Declined {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// Timeouts, 5xx, rate limits: the same call may succeed later.
    #[error("processor temporarily unavailable: {0}")]
    Transient(String),
    /// The processor refused the operation (e.g. capturing a voided hold).
    #[error("processor refused: {0}")]
    Refused(String),
}

pub trait PaymentProvider: Send + Sync + 'static {
    fn authorize(
        &self,
        request: AuthorizeRequest,
    ) -> BoxFuture<'_, Result<Authorization, ProviderError>>;

    /// Takes `amount_minor` of the hold `reference`.
    fn capture(
        &self,
        idempotency_key: String,
        reference: String,
        amount_minor: i64,
    ) -> BoxFuture<'_, Result<(), ProviderError>>;

    /// Lifts the hold `reference` without taking money.
    fn void(
        &self,
        idempotency_key: String,
        reference: String,
    ) -> BoxFuture<'_, Result<(), ProviderError>>;

    /// Gives back `amount_minor` of what was captured under `reference`.
    fn refund(
        &self,
        idempotency_key: String,
        reference: String,
        amount_minor: i64,
    ) -> BoxFuture<'_, Result<(), ProviderError>>;
}
