//! Field rules. Each check names the input field it rejects, so a client can
//! point at it.

use super::ProductsError;
use mart_events::catalog::Currency;

// Every text that enters a product goes into `product.created` /
// `product.updated` events as well as the row, so each is bounded here
// (docs/limits.md lists them all).

/// A product name: shown in listings and order confirmations; 200 characters
/// fits any real product title.
pub const NAME_MAX: usize = 200;
/// A product description: the longest free text of the catalogue, copied into
/// product events; 10,000 characters (at most 40 kB of UTF-8) keeps an event
/// far below the broker's 1 MB message limit.
pub const DESCRIPTION_MAX: usize = 10_000;
/// A stock-keeping unit: a short code by nature (GS1 and retailer SKUs are
/// well under 64 characters); also the most a `product(sku:)` lookup accepts.
pub const SKU_MAX: usize = 64;
/// A URL slug: part of a web address; also the most a `product(slug:)` or
/// `category(slug:)` lookup accepts.
pub const SLUG_MAX: usize = 120;
/// GraphQL's `Int` is 32 bits: 21 million in major units is still far above any
/// real price.
pub const PRICE_MAX_MINOR: i64 = i32::MAX as i64;
/// One tonne.
pub const WEIGHT_MAX_GRAMS: i32 = 1_000_000;
/// 100 metres.
pub const DIMENSION_MAX_MM: i32 = 100_000;

/// Trimmed, non-empty, at most `max` characters.
pub fn text(field: &'static str, value: &str, max: usize) -> Result<String, ProductsError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ProductsError::bad_input(
            field,
            format!("{field} must not be empty"),
        ));
    }
    at_most(field, value, max)
}

/// Trimmed, possibly empty, at most `max` characters.
pub fn optional_text(
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<String, ProductsError> {
    at_most(field, value.trim(), max)
}

fn at_most(field: &'static str, value: &str, max: usize) -> Result<String, ProductsError> {
    if value.chars().count() > max {
        return Err(ProductsError::bad_input(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    Ok(value.to_string())
}

/// A key to look something up by (`product(sku:)`, `category(slug:)`): no
/// stored key is longer than `max`, so a longer one is a mistake, refused
/// before it reaches the database. Shorter keys that match nothing find nothing.
pub fn lookup_key<'a>(
    field: &'static str,
    value: &'a str,
    max: usize,
) -> Result<&'a str, ProductsError> {
    if value.chars().count() > max {
        return Err(ProductsError::bad_input(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    Ok(value)
}

/// Letters, digits, `.`, `_` and `-`, starting with a letter or digit; case matters.
pub fn sku(field: &'static str, value: &str) -> Result<String, ProductsError> {
    let value = value.trim();
    let starts_well = value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let allowed = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !starts_well || !allowed || value.len() > SKU_MAX {
        return Err(ProductsError::bad_input(
            field,
            format!(
                "{field} must be 1 to {SKU_MAX} letters, digits, '.', '_' or '-', starting with a letter or digit"
            ),
        ));
    }
    Ok(value.to_string())
}

/// Lowercase letters and digits in words joined by single hyphens: `blue-mug-2`.
pub fn slug(field: &'static str, value: &str) -> Result<String, ProductsError> {
    let value = value.trim();
    let well_formed = !value.is_empty()
        && value.len() <= SLUG_MAX
        && value.split('-').all(|word| {
            !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    if !well_formed {
        return Err(ProductsError::bad_input(
            field,
            format!(
                "{field} must be lowercase letters and digits in words joined by single hyphens, at most {SLUG_MAX} characters"
            ),
        ));
    }
    Ok(value.to_string())
}

/// The slug a name suggests: `"Blue Mug (2 L)"` → `blue-mug-2-l`. Characters
/// outside ASCII letters and digits separate words.
pub fn slug_from_name(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for word in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if slug.len() + word.len() + 1 > SLUG_MAX {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word.to_ascii_lowercase());
    }
    slug
}

/// The given slug, or one derived from the name when none was given.
pub fn slug_or_derived(given: Option<&str>, name: &str) -> Result<String, ProductsError> {
    match given {
        Some(given) => slug("slug", given),
        None => {
            let derived = slug_from_name(name);
            if derived.is_empty() {
                return Err(ProductsError::bad_input(
                    "slug",
                    "slug cannot be derived from this name: give one",
                ));
            }
            Ok(derived)
        }
    }
}

pub fn amount_minor(field: &'static str, value: i64) -> Result<i64, ProductsError> {
    if !(0..=PRICE_MAX_MINOR).contains(&value) {
        return Err(ProductsError::bad_input(
            field,
            format!("{field} must be between 0 and {PRICE_MAX_MINOR} (minor units)"),
        ));
    }
    Ok(value)
}

pub fn currency(field: &'static str, value: &str) -> Result<Currency, ProductsError> {
    Currency::parse(value).ok_or_else(|| {
        ProductsError::bad_input(
            field,
            format!("{field} must be an ISO 4217 code of three uppercase letters, like EUR"),
        )
    })
}

pub fn weight_grams(field: &'static str, value: i32) -> Result<i32, ProductsError> {
    if !(0..=WEIGHT_MAX_GRAMS).contains(&value) {
        return Err(ProductsError::bad_input(
            field,
            format!("{field} must be between 0 and {WEIGHT_MAX_GRAMS}"),
        ));
    }
    Ok(value)
}

pub fn dimension_mm(field: &'static str, value: i32) -> Result<i32, ProductsError> {
    if !(1..=DIMENSION_MAX_MM).contains(&value) {
        return Err(ProductsError::bad_input(
            field,
            format!("{field} must be between 1 and {DIMENSION_MAX_MM} millimetres"),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: ProductsError) -> Option<&'static str> {
        match e {
            ProductsError::BadInput { field, .. } => Some(field),
            _ => None,
        }
    }

    #[test]
    fn slugs_are_derived_from_names() {
        assert_eq!(slug_from_name("Blue Mug (2 L)"), "blue-mug-2-l");
        assert_eq!(slug_from_name("  --Café au lait--  "), "caf-au-lait");
        assert_eq!(slug_from_name("!!!"), "");
    }

    #[test]
    fn malformed_slugs_are_rejected_naming_the_field() {
        for bad in ["", "Blue", "a--b", "-a", "a-", "a b", "ä"] {
            assert_eq!(
                field_of(slug("slug", bad).unwrap_err()),
                Some("slug"),
                "{bad:?}"
            );
        }
        assert_eq!(slug("slug", " ok-2 ").unwrap(), "ok-2");
    }

    #[test]
    fn skus_allow_a_conservative_alphabet() {
        assert_eq!(sku("sku", "KIT-01.a_b").unwrap(), "KIT-01.a_b");
        for bad in ["", "-A", "A B", "A/B", &"X".repeat(SKU_MAX + 1)] {
            assert!(sku("sku", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn money_and_measures_have_ranges() {
        assert!(amount_minor("price.amountMinor", -1).is_err());
        assert!(amount_minor("price.amountMinor", 0).is_ok());
        assert!(amount_minor("price.amountMinor", PRICE_MAX_MINOR).is_ok());
        assert!(amount_minor("price.amountMinor", PRICE_MAX_MINOR + 1).is_err());
        assert!(currency("price.currency", "eur").is_err());
        assert_eq!(currency("price.currency", "EUR").unwrap().as_str(), "EUR");
        assert!(weight_grams("weightGrams", -5).is_err());
        assert!(dimension_mm("dimensions.lengthMm", 0).is_err());
    }

    #[test]
    fn lookup_keys_are_bounded() {
        assert_eq!(lookup_key("sku", "KIT-01", SKU_MAX).unwrap(), "KIT-01");
        let long = "x".repeat(SKU_MAX + 1);
        assert_eq!(
            field_of(lookup_key("sku", &long, SKU_MAX).unwrap_err()),
            Some("sku")
        );
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(text("name", "  Mug ", 10).unwrap(), "Mug");
        assert!(text("name", "   ", 10).is_err());
        assert!(text("name", "abcdefghijk", 10).is_err());
    }
}
