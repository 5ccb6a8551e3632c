//! What the users rules refuse; the GraphQL layer (`graphql/error.rs`) turns
//! each into a client error with its code.

use mart_service::DbError;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    /// An input is malformed; `field` names it as the API spells it.
    #[error("{message}")]
    BadInput {
        field: &'static str,
        message: String,
    },
    /// No account with this id.
    #[error("no user {0}")]
    NoUser(Uuid),
    /// No address with this id.
    #[error("no address {0}")]
    NoAddress(Uuid),
    /// The caller is signed in but may not do this (or see this account).
    #[error("not allowed")]
    Forbidden,
    /// The operation needs a signed-in caller.
    #[error("authentication required")]
    Unauthenticated,
    /// The one answer to every failed sign-in, unknown email or wrong password.
    #[error("wrong email or password")]
    WrongCredentials,
    #[error("the refresh token is invalid, expired or revoked; sign in again")]
    InvalidRefreshToken,
    /// `retry_after_secs` is an upper bound: the length of the counting window.
    #[error("too many failed sign-in attempts; try again later")]
    TooManyRequests { retry_after_secs: u64 },
    /// Registrations from one client address, like [`UsersError::TooManyRequests`].
    #[error("too many accounts registered from this address; try again later")]
    TooManyRegistrations { retry_after_secs: u64 },
    /// Creating an account lost to an existing one with the same email
    /// (`mart admin create` and seeding; `register` never tells).
    #[error("an account with this email already exists")]
    EmailTaken,
    /// Something the rules cannot go on with: a broken row, hashing or
    /// randomness failing (logged, never shown to a client).
    #[error("{0}")]
    Internal(String),
    /// The database failed or could not be reached.
    #[error(transparent)]
    Storage(#[from] DbError),
}

impl UsersError {
    pub(crate) fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        Self::BadInput {
            field,
            message: message.into(),
        }
    }

    pub(crate) fn internal(detail: impl std::fmt::Display) -> Self {
        Self::Internal(detail.to_string())
    }

    /// The `extensions.code` a client sees for this error (`graphql/error.rs`
    /// maps it; a test there keeps the two in step).
    pub fn code(&self) -> &'static str {
        match self {
            UsersError::BadInput { .. } => "BAD_USER_INPUT",
            UsersError::NoUser(_) | UsersError::NoAddress(_) => "NOT_FOUND",
            UsersError::Forbidden => "FORBIDDEN",
            UsersError::Unauthenticated
            | UsersError::WrongCredentials
            | UsersError::InvalidRefreshToken => "UNAUTHENTICATED",
            UsersError::TooManyRequests { .. } | UsersError::TooManyRegistrations { .. } => {
                "TOO_MANY_REQUESTS"
            }
            UsersError::EmailTaken => "CONFLICT",
            UsersError::Internal(_) => "INTERNAL_SERVER_ERROR",
            UsersError::Storage(DbError::Pool(_) | DbError::Connect { .. }) => {
                "SERVICE_UNAVAILABLE"
            }
            UsersError::Storage(DbError::Query(diesel::result::Error::NotFound)) => "NOT_FOUND",
            UsersError::Storage(_) => "INTERNAL_SERVER_ERROR",
        }
    }
}

impl From<diesel::result::Error> for UsersError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Storage(DbError::Query(e))
    }
}
