//! What the notification use cases refuse; the GraphQL layer gives each a code.

use mart_service::DbError;

#[derive(Debug, thiserror::Error)]
pub enum NotificationsError {
    #[error("no such notification")]
    NotFound,
    /// Someone else's notification.
    #[error("not allowed")]
    Forbidden,
    #[error("{message}")]
    BadInput {
        field: &'static str,
        message: String,
    },
    /// The database failed or could not be reached.
    #[error(transparent)]
    Storage(#[from] DbError),
}

impl From<diesel::result::Error> for NotificationsError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Storage(DbError::Query(e))
    }
}
