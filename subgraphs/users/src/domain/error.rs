//! Errors of the users service: the shared [`ApiError`] codes plus
//! `TOO_MANY_REQUESTS`, which `mart-service` does not have yet.

use async_graphql::ErrorExtensions;
use mart_service::{ApiError, DbError};

#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The one answer to every failed sign-in, unknown email or wrong password.
    #[error("wrong email or password")]
    WrongCredentials,
    #[error("the refresh token is invalid, expired or revoked; sign in again")]
    InvalidRefreshToken,
    #[error("too many failed sign-in attempts; try again later")]
    /// `retry_after_secs` is an upper bound: the length of the counting window.
    TooManyRequests { retry_after_secs: u64 },
    /// Registrations from one client address, like [`UsersError::TooManyRequests`].
    #[error("too many accounts registered from this address; try again later")]
    TooManyRegistrations { retry_after_secs: u64 },
    /// Creating an account lost to an existing one with the same email
    /// (`mart admin create` and seeding; `register` never tells).
    #[error("an account with this email already exists")]
    EmailTaken,
}

impl UsersError {
    pub fn code(&self) -> &'static str {
        match self {
            UsersError::Api(e) => e.code(),
            UsersError::WrongCredentials | UsersError::InvalidRefreshToken => "UNAUTHENTICATED",
            UsersError::TooManyRequests { .. } | UsersError::TooManyRegistrations { .. } => {
                "TOO_MANY_REQUESTS"
            }
            UsersError::EmailTaken => "CONFLICT",
        }
    }
}

impl From<DbError> for UsersError {
    fn from(e: DbError) -> Self {
        UsersError::Api(e.into())
    }
}

impl From<diesel::result::Error> for UsersError {
    fn from(e: diesel::result::Error) -> Self {
        UsersError::Api(e.into())
    }
}

impl ErrorExtensions for UsersError {
    fn extend(&self) -> async_graphql::Error {
        match self {
            UsersError::Api(e) => e.extend(),
            UsersError::WrongCredentials | UsersError::InvalidRefreshToken => {
                async_graphql::Error::new(self.to_string())
                    .extend_with(|_, ext| ext.set("code", "UNAUTHENTICATED"))
            }
            UsersError::EmailTaken => ApiError::Conflict(self.to_string()).extend(),
            UsersError::TooManyRequests { retry_after_secs }
            | UsersError::TooManyRegistrations { retry_after_secs } => {
                let retry = *retry_after_secs;
                async_graphql::Error::new(self.to_string()).extend_with(|_, ext| {
                    ext.set("code", "TOO_MANY_REQUESTS");
                    ext.set("retryAfterSeconds", retry);
                })
            }
        }
    }
}
