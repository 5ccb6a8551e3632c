//! What the cart use cases refuse; the GraphQL layer gives each a code.

use mart_service::DbError;
use mart_service::upstream::UpstreamError;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum CheckoutError {
    /// An input is malformed; `field` names it as the API spells it.
    #[error("{message}")]
    BadInput {
        field: &'static str,
        message: String,
    },
    /// No cart with this id that the caller may see (someone else's, expired, merged,
    /// or none at all: one answer, so ids cannot be probed).
    #[error("no cart with id {0}")]
    NoCart(Uuid),
    /// Staff created a code that exists.
    #[error("a discount code {0} already exists")]
    CodeTaken(String),
    /// The cart was checked out already, under another idempotency key.
    #[error("cart {0} has been checked out already; see your orders")]
    AlreadyOrdered(Uuid),
    /// Something that cannot happen did (details are logged, not shown).
    #[error("internal error: {0}")]
    Internal(String),
    /// Merging needs a signed-in customer.
    #[error("sign in to keep a cart")]
    SignInRequired,
    /// The products service could not price the cart.
    #[error(transparent)]
    Products(#[from] UpstreamError),
    /// The database failed or could not be reached.
    #[error(transparent)]
    Storage(#[from] DbError),
}

impl CheckoutError {
    pub(crate) fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        Self::BadInput {
            field,
            message: message.into(),
        }
    }
}

impl From<diesel::result::Error> for CheckoutError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Storage(DbError::Query(e))
    }
}
