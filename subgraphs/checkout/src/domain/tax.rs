//! Taxes on a cart. Prices are tax-exclusive; tax is added per line at the rate of the
//! destination country for the product's category, or the country's own rate, or none.
//!
//! **Rounding:** each line's tax is rounded on its own, to the nearest minor unit, half
//! away from zero (1,999 × 21 % = 419.79 → 420), and the cart's tax is the sum of its
//! lines'. Shipping is not taxed.

use uuid::Uuid;

use super::CheckoutError;

/// The highest rate: 100 %.
pub const MAX_BASIS_POINTS: i32 = 10_000;

/// A rate staff keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxRate {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// `None`: the country's rate for every category without its own.
    pub category_id: Option<Uuid>,
    /// 2100 = 21 %.
    pub basis_points: i32,
}

/// The rate of a line going to the country `rates` are of: its category's, else the
/// country's, else none.
pub fn rate_for(rates: &[TaxRate], category_id: Option<Uuid>) -> i32 {
    let of = |category: Option<Uuid>| {
        rates
            .iter()
            .find(|r| r.category_id == category)
            .map(|r| r.basis_points)
    };
    category_id
        .and_then(|c| of(Some(c)))
        .or_else(|| of(None))
        .unwrap_or(0)
}

/// The tax on `amount_minor` at `basis_points`, rounded half away from zero.
pub fn line_tax(amount_minor: i64, basis_points: i32) -> i64 {
    let exact = i128::from(amount_minor) * i128::from(basis_points);
    let rounded = (exact.abs() + 5_000) / 10_000;
    (rounded * exact.signum()) as i64
}

pub fn check_basis_points(basis_points: i32) -> Result<(), CheckoutError> {
    if (0..=MAX_BASIS_POINTS).contains(&basis_points) {
        return Ok(());
    }
    Err(CheckoutError::bad_input(
        "basisPoints",
        format!("basisPoints must be between 0 and {MAX_BASIS_POINTS} (100 %)"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_line_is_rounded_half_away_from_zero() {
        assert_eq!(line_tax(1999, 2100), 420); // 419.79
        assert_eq!(line_tax(1000, 2150), 215);
        assert_eq!(line_tax(10, 500), 1); // 0.5 rounds up
        assert_eq!(line_tax(9, 500), 0); // 0.45 rounds down
        assert_eq!(line_tax(0, 2100), 0);
        assert_eq!(line_tax(12_345, 0), 0);
        assert_eq!(line_tax(3, MAX_BASIS_POINTS), 3);
        // Three lines of 0.5 each: 3, not the 2 (1.5 rounded) of rounding the sum.
        let lines: i64 = [10, 10, 10].iter().map(|&a| line_tax(a, 500)).sum();
        assert_eq!(lines, 3);
    }

    #[test]
    fn a_category_rate_wins_over_the_country_rate() {
        let books = Uuid::now_v7();
        let rates = [
            TaxRate {
                country: "NL".into(),
                category_id: None,
                basis_points: 2100,
            },
            TaxRate {
                country: "NL".into(),
                category_id: Some(books),
                basis_points: 900,
            },
        ];
        assert_eq!(rate_for(&rates, Some(books)), 900);
        assert_eq!(rate_for(&rates, Some(Uuid::now_v7())), 2100);
        assert_eq!(rate_for(&rates, None), 2100);
        assert_eq!(rate_for(&[], Some(books)), 0, "a country with no tax");
        assert!(check_basis_points(10_001).is_err() && check_basis_points(-1).is_err());
    }
}
