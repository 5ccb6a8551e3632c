//! What a client sees of a [`UsersError`]: the shared [`ApiError`] codes, with
//! the users service's own wording where `ApiError` has a fixed message.

use async_graphql::ErrorExtensions;
use mart_service::{ApiError, DbError};

use crate::domain::UsersError;

impl From<UsersError> for ApiError {
    fn from(e: UsersError) -> Self {
        match e {
            UsersError::BadInput { field, message } => ApiError::bad_input(field, message),
            UsersError::NoUser(_) | UsersError::NoAddress(_) => ApiError::NotFound(e.to_string()),
            UsersError::Forbidden => ApiError::Forbidden,
            UsersError::Unauthenticated
            | UsersError::WrongCredentials
            | UsersError::InvalidRefreshToken => ApiError::Unauthenticated,
            UsersError::TooManyRequests { retry_after_secs }
            | UsersError::TooManyRegistrations { retry_after_secs } => {
                ApiError::TooManyRequests { retry_after_secs }
            }
            UsersError::EmailTaken => ApiError::Conflict(e.to_string()),
            UsersError::Internal(detail) => ApiError::internal(detail),
            // diesel's NotFound stays NOT_FOUND; other database errors are internal
            // or SERVICE_UNAVAILABLE.
            UsersError::Storage(DbError::Query(e)) => e.into(),
            UsersError::Storage(e) => e.into(),
        }
    }
}

/// The error a resolver returns for `e`: [`ApiError`]'s code and extensions
/// (internal details logged there, never shown); refusals that say more than
/// `ApiError`'s fixed message keep their own.
pub(super) fn client_error(e: UsersError) -> async_graphql::Error {
    let wording = match e {
        UsersError::WrongCredentials
        | UsersError::InvalidRefreshToken
        | UsersError::TooManyRequests { .. }
        | UsersError::TooManyRegistrations { .. } => Some(e.to_string()),
        _ => None,
    };
    let mut error = ApiError::from(e).extend();
    if let Some(wording) = wording {
        error.message = wording;
    }
    error
}

/// Keeps the error code when a [`UsersError`] leaves a resolver.
pub(super) trait GqlResult<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T, E: Into<UsersError>> GqlResult<T> for Result<T, E> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| client_error(e.into()))
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::Value;
    use uuid::Uuid;

    use super::*;

    fn extension(error: &async_graphql::Error, name: &str) -> Option<Value> {
        error.extensions.as_ref()?.get(name).cloned()
    }

    /// Every error, as the client sees it: the code `UsersError::code` names,
    /// and nothing of an internal error's detail.
    #[test]
    fn each_error_keeps_its_code() {
        let errors = || {
            vec![
                UsersError::bad_input("email", "enter an email address"),
                UsersError::NoUser(Uuid::nil()),
                UsersError::NoAddress(Uuid::nil()),
                UsersError::Forbidden,
                UsersError::Unauthenticated,
                UsersError::WrongCredentials,
                UsersError::InvalidRefreshToken,
                UsersError::TooManyRequests {
                    retry_after_secs: 900,
                },
                UsersError::TooManyRegistrations {
                    retry_after_secs: 900,
                },
                UsersError::EmailTaken,
                UsersError::internal("secret detail"),
                UsersError::from(diesel::result::Error::NotFound),
                UsersError::from(diesel::result::Error::RollbackTransaction),
                UsersError::Storage(DbError::Connect {
                    url: "postgres://secret@db".into(),
                    reason: "refused".into(),
                }),
                UsersError::Storage(DbError::BadName("secret".into())),
            ]
        };
        let expected = [
            "BAD_USER_INPUT",
            "NOT_FOUND",
            "NOT_FOUND",
            "FORBIDDEN",
            "UNAUTHENTICATED",
            "UNAUTHENTICATED",
            "UNAUTHENTICATED",
            "TOO_MANY_REQUESTS",
            "TOO_MANY_REQUESTS",
            "CONFLICT",
            "INTERNAL_SERVER_ERROR",
            "NOT_FOUND",
            "INTERNAL_SERVER_ERROR",
            "SERVICE_UNAVAILABLE",
            "INTERNAL_SERVER_ERROR",
        ];
        assert_eq!(errors().len(), expected.len());
        for (e, expected) in errors().into_iter().zip(expected) {
            let code = e.code();
            assert_eq!(code, expected, "{e:?}");
            let seen = client_error(e);
            assert_eq!(extension(&seen, "code"), Some(Value::from(code)));
            assert!(!seen.message.contains("secret"), "{}", seen.message);
        }
        for e in errors() {
            let code = e.code();
            assert_eq!(ApiError::from(e).code(), code);
        }
    }

    #[test]
    fn refusals_keep_their_wording_and_extensions() {
        let bad = client_error(UsersError::bad_input("refreshToken", "too long"));
        assert_eq!(bad.message, "too long");
        assert_eq!(extension(&bad, "field"), Some(Value::from("refreshToken")));

        let wrong = client_error(UsersError::WrongCredentials);
        assert_eq!(wrong.message, "wrong email or password");
        assert_eq!(
            wrong.extensions.as_ref().map(|e| e.get("field").is_none()),
            Some(true)
        );

        let throttled = client_error(UsersError::TooManyRegistrations {
            retry_after_secs: 900,
        });
        assert_eq!(
            throttled.message,
            "too many accounts registered from this address; try again later"
        );
        assert_eq!(
            extension(&throttled, "retryAfterSeconds"),
            Some(Value::from(900u64))
        );

        let internal = client_error(UsersError::internal("argon2 broke"));
        assert_eq!(internal.message, "internal error");
    }
}
