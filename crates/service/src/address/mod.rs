//! Postal addresses: one set of rules for an address a user saves (users) and
//! one an order is shipped to (orders, typed in or saved), so that every
//! address users keeps, orders accepts, and neither takes what a label
//! cannot print.
//!
//! Every field is trimmed and checked as [one line of text](crate::text::one_line)
//! (no control characters, no text-direction overrides) within its bound; the
//! country is upper-cased and must be an assigned ISO 3166-1 alpha-2 code.
//! docs/limits.md lists the bounds.

mod countries;

use mart_events::catalog::AddressPayload;

use crate::text::{self, TextProblem};

pub use countries::is_assigned as is_country;

/// The addressee, and the city: short by nature.
pub const MAX_NAME_CHARS: usize = 100;
/// An address line.
pub const MAX_LINE_CHARS: usize = 200;
/// The longest postal codes in use have 10 characters; twice that leaves room.
pub const MAX_POSTAL_CODE_CHARS: usize = 20;

/// A field of an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressField {
    Name,
    Line1,
    Line2,
    City,
    PostalCode,
    Country,
}

impl AddressField {
    /// The field's name as the GraphQL inputs spell it (`postalCode`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Line1 => "line1",
            Self::Line2 => "line2",
            Self::City => "city",
            Self::PostalCode => "postalCode",
            Self::Country => "country",
        }
    }
}

/// Why an address was refused: the first offending field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidAddress {
    pub field: AddressField,
    pub message: String,
}

fn line(field: AddressField, value: &str, max: usize) -> Result<String, InvalidAddress> {
    text::one_line(value, max).map_err(|problem: TextProblem| InvalidAddress {
        field,
        message: problem.message(field.as_str()),
    })
}

/// The address with every field trimmed, an empty `line2` dropped and the
/// country upper-cased.
pub fn validate(address: &AddressPayload) -> Result<AddressPayload, InvalidAddress> {
    let country = address.country.trim().to_ascii_uppercase();
    if !is_country(&country) {
        return Err(InvalidAddress {
            field: AddressField::Country,
            message: "country must be an ISO 3166-1 alpha-2 code such as DE or US".into(),
        });
    }
    let line2 = match address.line2.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(value) => Some(line(AddressField::Line2, value, MAX_LINE_CHARS)?),
    };
    Ok(AddressPayload {
        name: line(AddressField::Name, &address.name, MAX_NAME_CHARS)?,
        line1: line(AddressField::Line1, &address.line1, MAX_LINE_CHARS)?,
        line2,
        city: line(AddressField::City, &address.city, MAX_NAME_CHARS)?,
        postal_code: line(
            AddressField::PostalCode,
            &address.postal_code,
            MAX_POSTAL_CODE_CHARS,
        )?,
        country,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address() -> AddressPayload {
        AddressPayload {
            name: " Ada Lovelace ".into(),
            line1: "12 St James's Square".into(),
            line2: Some("  ".into()),
            city: "London".into(),
            postal_code: "SW1Y 4JH".into(),
            country: " gb".into(),
        }
    }

    fn refused(edit: impl FnOnce(&mut AddressPayload)) -> AddressField {
        let mut a = address();
        edit(&mut a);
        validate(&a).expect_err("refused").field
    }

    #[test]
    fn addresses_are_normalised() {
        let clean = validate(&address()).unwrap();
        assert_eq!(clean.name, "Ada Lovelace");
        assert_eq!(clean.line2, None);
        assert_eq!(clean.country, "GB");
    }

    #[test]
    fn countries_must_be_assigned_codes() {
        for country in ["UK", "XX", "ZZ", "EU", "Germany", "D", "", "ÄÖ"] {
            assert_eq!(
                refused(|a| a.country = country.into()),
                AddressField::Country,
                "{country:?}"
            );
        }
    }

    #[test]
    fn every_field_is_bounded_and_printable() {
        assert_eq!(refused(|a| a.city = " ".into()), AddressField::City);
        assert_eq!(
            refused(|a| a.name = "n".repeat(MAX_NAME_CHARS + 1)),
            AddressField::Name
        );
        assert_eq!(
            refused(|a| a.postal_code = "1".repeat(MAX_POSTAL_CODE_CHARS + 1)),
            AddressField::PostalCode
        );
        assert_eq!(
            refused(|a| a.line1 = "Square\u{202E}evil".into()),
            AddressField::Line1
        );
        assert_eq!(
            refused(|a| a.line2 = Some("Flat 1\nDROP".into())),
            AddressField::Line2
        );
        assert_eq!(refused(|a| a.name = "Ada\u{7}".into()), AddressField::Name);
        let err = validate(&AddressPayload {
            postal_code: String::new(),
            ..address()
        })
        .unwrap_err();
        assert_eq!(err.message, "postalCode must not be empty");
    }
}
