//! Errors a client sees, each with a stable `extensions.code`.

use std::time::Duration;

use async_graphql::ErrorExtensions;

use mart_telemetry::log_rate::Tally;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The input is wrong; `field` names the offending input field when known.
    #[error("{message}")]
    BadUserInput {
        message: String,
        field: Option<String>,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("not allowed")]
    Forbidden,
    #[error("authentication required")]
    Unauthenticated,
    #[error("{0}")]
    ServiceUnavailable(String),
    /// Too many attempts; the client may retry after `retry_after_secs`.
    #[error("too many attempts, try again later")]
    TooManyRequests { retry_after_secs: u64 },
    /// Details go to the log, never to the client.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn bad_input(field: &str, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            message: message.into(),
            field: Some(field.to_string()),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadUserInput { .. } => "BAD_USER_INPUT",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Conflict(_) => "CONFLICT",
            Self::Forbidden => "FORBIDDEN",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::ServiceUnavailable(_) => "SERVICE_UNAVAILABLE",
            Self::TooManyRequests { .. } => "TOO_MANY_REQUESTS",
            Self::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// Logs what the client must not see and wraps `error` as internal.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        let detail = error.to_string();
        tracing::error!(error = %detail, "internal error");
        Self::Internal(detail)
    }
}

// async-graphql converts any `Display` into an error without a code, so `?` on an
// `ApiError` inside a resolver would lose the code: resolvers call `.extend()`.
impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.to_string()).extend_with(|_, ext| {
            ext.set("code", self.code());
            match self {
                ApiError::BadUserInput {
                    field: Some(field), ..
                } => ext.set("field", field.as_str()),
                ApiError::TooManyRequests { retry_after_secs } => {
                    ext.set("retryAfterSeconds", *retry_after_secs)
                }
                _ => {}
            }
        })
    }
}

impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> Self {
        match e {
            crate::db::DbError::Pool(_) | crate::db::DbError::Connect { .. } => {
                // Every request fails alike while the database is down: one line a
                // second, with how many failed.
                static UNAVAILABLE: Tally = Tally::new(Duration::from_secs(1));
                if let Some(failed) = UNAVAILABLE.add() {
                    tracing::error!(error = %e, failed, "database unavailable");
                }
                ApiError::ServiceUnavailable("the database is unavailable, try again".into())
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => ApiError::NotFound("not found".into()),
            other => ApiError::internal(other),
        }
    }
}

/// `.gql()` on a resolver's result keeps the error's code (a plain `?` would drop
/// it: see the note on [`ApiError`]'s `ErrorExtensions`).
pub trait ApiResultExt<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T, E: Into<ApiError>> ApiResultExt<T> for Result<T, E> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| e.into().extend())
    }
}
