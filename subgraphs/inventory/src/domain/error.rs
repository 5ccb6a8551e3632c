//! What inventory's use cases refuse; the GraphQL layer gives each a code.

use mart_service::DbError;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// An input is malformed; `field` names it as the API spells it.
    #[error("{message}")]
    BadInput {
        field: &'static str,
        message: String,
    },
    #[error("no warehouse with id {0}")]
    UnknownWarehouse(Uuid),
    #[error("a warehouse with code {0:?} already exists")]
    CodeTaken(String),
    /// An adjustment would take on hand below what is reserved.
    #[error(
        "cannot remove {removing} units: only {available} available (on hand {on_hand}, reserved {reserved})"
    )]
    BelowZero {
        removing: i32,
        on_hand: i32,
        reserved: i32,
        available: i32,
    },
    /// The database failed or could not be reached.
    #[error(transparent)]
    Storage(#[from] DbError),
}

impl InventoryError {
    pub(crate) fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        Self::BadInput {
            field,
            message: message.into(),
        }
    }
}

impl From<diesel::result::Error> for InventoryError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Storage(DbError::Query(e))
    }
}
