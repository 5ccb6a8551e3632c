//! What the catalogue's use cases refuse; the GraphQL layer gives each a code.

use mart_service::DbError;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum ProductsError {
    /// An input is malformed; `field` names it as the API spells it.
    #[error("{message}")]
    BadInput {
        field: &'static str,
        message: String,
    },
    #[error("no product with id {0}")]
    NoProduct(Uuid),
    /// The category a product names does not exist.
    #[error("no category with id {}", .0.map(|id| id.to_string()).unwrap_or_default())]
    NoCategory(Option<Uuid>),
    #[error("a product with sku {0:?} already exists")]
    SkuTaken(String),
    #[error("a product with slug {0:?} already exists")]
    SlugTaken(String),
    #[error("a category with slug {0:?} already exists")]
    CategorySlugTaken(String),
    /// The database failed or could not be reached.
    #[error(transparent)]
    Storage(#[from] DbError),
}

impl ProductsError {
    pub(crate) fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        Self::BadInput {
            field,
            message: message.into(),
        }
    }
}

impl From<diesel::result::Error> for ProductsError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Storage(DbError::Query(e))
    }
}
