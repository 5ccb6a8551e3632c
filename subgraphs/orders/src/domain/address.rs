//! The address an order is shipped to, checked the same way whether it was
//! typed in with the order or saved with the users service: by the rules
//! users saves addresses with (`mart_service::address`, docs/limits.md).

use super::OrdersError;
use mart_events::catalog::AddressPayload;
use mart_service::address::{self as postal, AddressField};

/// The input field a refusal names: the typed address's, under `address`.
fn input_field(field: AddressField) -> &'static str {
    match field {
        AddressField::Name => "address.name",
        AddressField::Line1 => "address.line1",
        AddressField::Line2 => "address.line2",
        AddressField::City => "address.city",
        AddressField::PostalCode => "address.postalCode",
        AddressField::Country => "address.country",
    }
}

/// Every field trimmed (an empty `line2` dropped), bounded and printable, and
/// the country an assigned ISO 3166-1 alpha-2 code, upper-cased.
pub fn validate_address(address: &AddressPayload) -> Result<AddressPayload, OrdersError> {
    postal::validate(address).map_err(|e| OrdersError::bad_input(input_field(e.field), e.message))
}

/// A saved address as users holds it, checked like a typed one; a refusal
/// names `shippingAddressId`, the field the client gave.
pub fn validate_saved_address(address: &AddressPayload) -> Result<AddressPayload, OrdersError> {
    validate_address(address).map_err(|e| match e {
        OrdersError::BadInput { message, .. } => OrdersError::bad_input(
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
        long.name = "x".repeat(postal::MAX_NAME_CHARS + 1);
        assert_eq!(
            field_of(validate_address(&long).unwrap_err()),
            "address.name"
        );
    }

    #[test]
    fn control_characters_overrides_and_unassigned_countries_are_refused() {
        type Edit = fn(&mut AddressPayload);
        let cases: [(Edit, &str); 5] = [
            (|a| a.name = "Ada\u{7}".into(), "address.name"),
            (|a| a.line1 = "1 Way\u{202E}gnp.exe".into(), "address.line1"),
            (|a| a.line2 = Some("Flat 2\r\nX".into()), "address.line2"),
            (
                |a| a.postal_code = "10115\u{2066}".into(),
                "address.postalCode",
            ),
            (|a| a.country = "XX".into(), "address.country"),
        ];
        for (edit, field) in cases {
            let mut a = address();
            edit(&mut a);
            assert_eq!(field_of(validate_address(&a).unwrap_err()), field);
        }
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
