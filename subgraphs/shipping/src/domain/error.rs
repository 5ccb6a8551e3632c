//! What shipping's use cases refuse; the GraphQL layer gives each a code.

use mart_service::DbError;
use uuid::Uuid;

use super::ShipmentStatus;

#[derive(Debug, thiserror::Error)]
pub enum ShippingError {
    /// An input is malformed; `field` names it as the API spells it.
    #[error("{message}")]
    BadInput {
        field: &'static str,
        message: &'static str,
    },
    #[error("no shipment {0}")]
    NoShipment(Uuid),
    #[error("a {} shipment cannot become {}", .from.as_str(), .to.as_str())]
    NotAllowed {
        from: ShipmentStatus,
        to: ShipmentStatus,
    },
    /// The database failed or could not be reached.
    #[error(transparent)]
    Storage(#[from] DbError),
}

impl From<diesel::result::Error> for ShippingError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Storage(DbError::Query(e))
    }
}
