//! What a payment use case refuses; the GraphQL layer gives each a code.

use mart_service::DbError;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum PaymentsError {
    #[error("no payment for order {0}")]
    NoPayment(Uuid),
    #[error("only captured payments can be refunded; this one is {0}")]
    NotRefundable(&'static str),
    #[error("the refund must be between 1 and {remaining} (what is left to refund)")]
    BadRefundAmount { remaining: i64 },
    #[error("the payment processor is unavailable, try again")]
    ProcessorUnavailable,
    /// The processor said no; its reason, as it gave it.
    #[error("{0}")]
    ProcessorRefused(String),
    /// A stored payment the rules cannot read (logged, not shown).
    #[error("{0}")]
    Corrupt(String),
    /// The database failed or could not be reached.
    #[error(transparent)]
    Storage(#[from] DbError),
}

impl From<diesel::result::Error> for PaymentsError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Storage(DbError::Query(e))
    }
}
