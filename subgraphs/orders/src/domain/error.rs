//! What the orders use cases refuse; the GraphQL layer gives each a code.

use mart_service::DbError;
use uuid::Uuid;

use crate::upstream::UpstreamError;

#[derive(Debug, thiserror::Error)]
pub enum OrdersError {
    /// An input is malformed; `field` names it as the API spells it.
    #[error("{message}")]
    BadInput {
        field: &'static str,
        message: String,
    },
    /// No order with this id that the caller may see.
    #[error("no order {0}")]
    NoOrder(Uuid),
    #[error("the order has already shipped and can no longer be cancelled")]
    TooLateToCancel,
    /// The idempotency key was used before for a different request.
    #[error(
        "this idempotencyKey was already used for a different order; \
         send the same request to retry it, or a new key for a new order"
    )]
    KeyReused,
    /// A saved address needs the caller's token, and users did not accept it.
    #[error("authentication required")]
    Unauthenticated,
    /// Too many orders wait for the saga (see `admission`).
    #[error("the shop is busy ({waiting} orders are being processed); try again in a few seconds")]
    Busy { waiting: i64 },
    /// A service placement asks is down or said it is.
    #[error("{0} is unavailable, try again shortly")]
    Unavailable(&'static str),
    /// A service placement asks refused or answered unexpectedly: a bug on one
    /// side (logged, not shown).
    #[error(transparent)]
    Upstream(UpstreamError),
    /// Something the rules cannot go on with (logged, not shown).
    #[error("{0}")]
    Internal(String),
    /// The database failed or could not be reached.
    #[error(transparent)]
    Storage(#[from] DbError),
}

impl OrdersError {
    pub(crate) fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        Self::BadInput {
            field,
            message: message.into(),
        }
    }
}

impl From<diesel::result::Error> for OrdersError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Storage(DbError::Query(e))
    }
}
