//! The address an order is shipped to, checked the same way whether it was
//! typed in with the order or saved with the users service.

use super::OrdersError;
use mart_events::catalog::AddressPayload;

/// Every text field of an address (name, lines, city, postal code): the
/// address is frozen into the order and copied into `order.placed`, so it must
/// stay small; 200 characters is more than any postal system uses.
pub const MAX_TEXT_LEN: usize = 200;

fn bad(field: &'static str, message: impl Into<String>) -> OrdersError {
    OrdersError::bad_input(field, message)
}

fn required_text(field: &'static str, value: &str) -> Result<String, OrdersError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(bad(field, format!("{field} must not be empty")));
    }
    if value.chars().count() > MAX_TEXT_LEN {
        return Err(bad(
            field,
            format!("{field} is longer than {MAX_TEXT_LEN} characters"),
        ));
    }
    Ok(value.to_string())
}

fn optional_text(field: &'static str, value: Option<&str>) -> Result<Option<String>, OrdersError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => required_text(field, v).map(Some),
    }
}

pub fn validate_address(address: &AddressPayload) -> Result<AddressPayload, OrdersError> {
    let country = address.country.trim().to_ascii_uppercase();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(bad(
            "address.country",
            "country must be an ISO 3166-1 alpha-2 code such as DE",
        ));
    }
    Ok(AddressPayload {
        name: required_text("address.name", &address.name)?,
        line1: required_text("address.line1", &address.line1)?,
        line2: optional_text("address.line2", address.line2.as_deref())?,
        city: required_text("address.city", &address.city)?,
        postal_code: required_text("address.postalCode", &address.postal_code)?,
        country,
    })
}

/// A saved address as users holds it, checked like a typed one; a refusal
/// names `shippingAddressId`, the field the client gave.
pub fn validate_saved_address(address: &AddressPayload) -> Result<AddressPayload, OrdersError> {
    validate_address(address).map_err(|e| match e {
        OrdersError::BadInput { message, .. } => bad(
            "shippingAddressId",
            format!("the saved address cannot be used: {message}"),
        ),
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address() -> AddressPayload {
        AddressPayload {
            name: "Ada Lovelace".into(),
            line1: " 1 Analytical Way ".into(),
            line2: Some("  ".into()),
            city: "Berlin".into(),
            postal_code: "10115".into(),
            country: "de".into(),
        }
    }

    fn field_of(err: OrdersError) -> &'static str {
        match err {
            OrdersError::BadInput { field, .. } => field,
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
    }

    #[test]
    fn text_is_trimmed_and_the_country_normalised() {
        let clean = validate_address(&address()).unwrap();
        assert_eq!(clean.line1, "1 Analytical Way");
        assert_eq!(clean.line2, None);
        assert_eq!(clean.country, "DE");
        let mut long = address();
        long.name = "x".repeat(MAX_TEXT_LEN + 1);
        assert_eq!(
            field_of(validate_address(&long).unwrap_err()),
            "address.name"
        );
    }

    #[test]
    fn a_saved_address_that_cannot_be_used_names_the_id_the_client_gave() {
        assert_eq!(validate_saved_address(&address()).unwrap().country, "DE");
        let mut broken = address();
        broken.line1 = String::new();
        let err = validate_saved_address(&broken).unwrap_err();
        assert_eq!(field_of(err), "shippingAddressId");
    }
}
