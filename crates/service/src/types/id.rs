use async_graphql::{ErrorExtensions, ID};
use uuid::Uuid;

use crate::ApiError;

/// Reads the `ID` argument `field` as a UUID (surrounding blanks ignored);
/// anything else is `BAD_USER_INPUT` naming the field.
pub fn parse_id(field: &str, id: &ID) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id.trim())
        .map_err(|_| ApiError::bad_input(field, format!("{field} is not a valid id")))
}

/// [`parse_id`] for a resolver: the error keeps its `extensions.code`.
pub fn id_arg(field: &str, id: &ID) -> async_graphql::Result<Uuid> {
    parse_id(field, id).map_err(|e| e.extend())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuids_and_errors_name_the_field() {
        let id = Uuid::now_v7();
        assert_eq!(parse_id("orderId", &ID(format!(" {id} "))).unwrap(), id);
        let e = parse_id("orderId", &ID("42".into())).unwrap_err();
        assert!(e.to_string().contains("orderId"), "{e}");
    }
}
