//! What a parcel costs: the rules for a rate question.

use super::ShippingError;

/// An ISO 3166-1 alpha-2 country code has exactly two letters.
pub const COUNTRY_LEN: usize = 2;
/// An ISO 4217 currency code has exactly three letters; anything else cannot
/// match a rate and is refused rather than looked up.
pub const CURRENCY_LEN: usize = 3;

/// What shipping a parcel costs, in minor units of `currency`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Price {
    pub amount_minor: i64,
    pub currency: String,
}

/// A country as asked (any case, spaces around) in the form rates use.
pub(crate) fn country_code(country: &str) -> Result<String, ShippingError> {
    let code = country.trim().to_ascii_uppercase();
    if code.len() == COUNTRY_LEN && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(ShippingError::BadInput {
            field: "country",
            message: "country must be an ISO 3166-1 alpha-2 code such as DE",
        })
    }
}

pub(crate) fn currency_code(currency: &str) -> Result<&str, ShippingError> {
    if currency.len() == CURRENCY_LEN && currency.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(currency)
    } else {
        Err(ShippingError::BadInput {
            field: "currency",
            message: "currency must be an ISO 4217 code of three uppercase letters, like EUR",
        })
    }
}

pub(crate) fn weight(weight_grams: i64) -> Result<i64, ShippingError> {
    if weight_grams < 0 {
        return Err(ShippingError::BadInput {
            field: "weightGrams",
            message: "weightGrams must not be negative",
        });
    }
    Ok(weight_grams)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_read_leniently_and_checked_strictly() {
        assert_eq!(country_code(" de ").unwrap(), "DE");
        for bad in ["", "D", "DEU", "D1", "ÄÖ"] {
            assert!(country_code(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn currencies_must_be_written_as_codes() {
        assert_eq!(currency_code("EUR").unwrap(), "EUR");
        for bad in ["eur", "EURO", "E1R", ""] {
            assert!(currency_code(bad).is_err(), "{bad:?} accepted");
        }
        assert!(weight(-1).is_err());
        assert_eq!(weight(0).unwrap(), 0);
    }
}
