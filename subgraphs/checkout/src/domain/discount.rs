//! Discount codes: what one takes off a cart, and when it applies.
//!
//! A code takes a percentage of the subtotal (rounded half away from zero) or a fixed
//! amount (at most the subtotal). The discount is spread over the cart's priced lines in
//! proportion to their totals (largest remainder, so the parts add up to the whole), and
//! each line is taxed on what is left of it: a discount lowers the tax too.

use chrono::{DateTime, Utc};

use super::CheckoutError;
use super::tax::line_tax;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Off {
    /// 1500 = 15 %.
    Percent(i32),
    /// This much off, in this currency.
    Amount { minor: i64, currency: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscountCode {
    /// Upper case: codes are typed in any case.
    pub code: String,
    pub off: Off,
    pub min_subtotal_minor: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub max_uses: Option<i32>,
    pub max_uses_per_customer: Option<i32>,
    /// Uses taken so far.
    pub uses: i32,
}

/// Why a code does not apply to a cart now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotApplicable {
    #[error("the code is not valid yet")]
    NotStarted,
    #[error("the code has expired")]
    Ended,
    #[error("the code has been used up")]
    UsedUp,
    #[error("you have used this code as often as it allows")]
    UsedByYou,
    #[error("the code needs a subtotal of at least {0} (minor units)")]
    BelowMinimum(i64),
    #[error("the code is for carts in {0}")]
    Currency(String),
}

impl DiscountCode {
    /// Whether the code applies to a cart of `subtotal_minor` in `currency` at `now`
    /// (the limit per customer is checked when a use is taken).
    pub fn applies(
        &self,
        subtotal_minor: i64,
        currency: &str,
        now: DateTime<Utc>,
    ) -> Result<(), NotApplicable> {
        if now < self.starts_at {
            return Err(NotApplicable::NotStarted);
        }
        if self.ends_at.is_some_and(|end| now >= end) {
            return Err(NotApplicable::Ended);
        }
        if self.max_uses.is_some_and(|max| self.uses >= max) {
            return Err(NotApplicable::UsedUp);
        }
        if let Off::Amount { currency: own, .. } = &self.off
            && own != currency
        {
            return Err(NotApplicable::Currency(own.clone()));
        }
        if subtotal_minor < self.min_subtotal_minor {
            return Err(NotApplicable::BelowMinimum(self.min_subtotal_minor));
        }
        Ok(())
    }

    /// What the code takes off `subtotal_minor`: never more than it.
    pub fn amount_off(&self, subtotal_minor: i64) -> i64 {
        match &self.off {
            Off::Percent(bp) => line_tax(subtotal_minor, *bp),
            Off::Amount { minor, .. } => *minor,
        }
        .min(subtotal_minor)
    }
}

/// `off` spread over `totals` in proportion to each (largest remainder: the parts add
/// up to `off` exactly; ties go to the earlier line).
pub fn allocate(off: i64, totals: &[i64]) -> Vec<i64> {
    let sum: i64 = totals.iter().sum();
    if sum <= 0 {
        return vec![0; totals.len()];
    }
    let exact: Vec<(i64, i128)> = totals
        .iter()
        .map(|&t| {
            let scaled = i128::from(off) * i128::from(t);
            ((scaled / i128::from(sum)) as i64, scaled % i128::from(sum))
        })
        .collect();
    let mut parts: Vec<i64> = exact.iter().map(|(q, _)| *q).collect();
    let mut left = off - parts.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..totals.len()).collect();
    order.sort_by(|&a, &b| exact[b].1.cmp(&exact[a].1).then(a.cmp(&b)));
    for i in order {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts
}

/// A code as typed: trimmed and upper-cased; 3 to 32 letters, digits, `-` or `_`.
pub fn normalize_code(text: &str) -> Result<String, CheckoutError> {
    let code = text.trim().to_ascii_uppercase();
    let valid = (3..=32).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(code)
    } else {
        Err(CheckoutError::bad_input(
            "code",
            "a discount code is 3 to 32 letters, digits, - or _",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(off: Off) -> DiscountCode {
        DiscountCode {
            code: "SAVE".into(),
            off,
            min_subtotal_minor: 2_000,
            starts_at: Utc::now() - chrono::Duration::hours(1),
            ends_at: Some(Utc::now() + chrono::Duration::hours(1)),
            max_uses: Some(5),
            max_uses_per_customer: None,
            uses: 0,
        }
    }

    #[test]
    fn a_code_applies_within_its_window_limits_and_minimum() {
        let now = Utc::now();
        let c = code(Off::Percent(1500));
        assert_eq!(c.applies(2_000, "EUR", now), Ok(()));
        assert_eq!(
            c.applies(1_999, "EUR", now),
            Err(NotApplicable::BelowMinimum(2_000))
        );
        let later = now + chrono::Duration::hours(2);
        assert_eq!(c.applies(5_000, "EUR", later), Err(NotApplicable::Ended));
        let earlier = now - chrono::Duration::hours(2);
        assert_eq!(
            c.applies(5_000, "EUR", earlier),
            Err(NotApplicable::NotStarted)
        );
        let used = DiscountCode { uses: 5, ..c };
        assert_eq!(used.applies(5_000, "EUR", now), Err(NotApplicable::UsedUp));
        let fixed = code(Off::Amount {
            minor: 500,
            currency: "EUR".into(),
        });
        assert_eq!(
            fixed.applies(5_000, "USD", now),
            Err(NotApplicable::Currency("EUR".into()))
        );
    }

    #[test]
    fn what_comes_off_is_rounded_and_never_more_than_the_subtotal() {
        assert_eq!(code(Off::Percent(1500)).amount_off(1_999), 300); // 299.85
        assert_eq!(code(Off::Percent(10_000)).amount_off(1_999), 1_999);
        let fixed = code(Off::Amount {
            minor: 2_500,
            currency: "EUR".into(),
        });
        assert_eq!(fixed.amount_off(10_000), 2_500);
        assert_eq!(fixed.amount_off(1_000), 1_000);
    }

    #[test]
    fn the_discount_is_spread_in_proportion_and_adds_up() {
        assert_eq!(allocate(300, &[1_000, 2_000]), [100, 200]);
        assert_eq!(allocate(100, &[1, 1, 1]), [34, 33, 33]);
        assert_eq!(allocate(0, &[5, 5]), [0, 0]);
        let parts = allocate(999, &[333, 1_234, 77, 5_000]);
        assert_eq!(parts.iter().sum::<i64>(), 999);
        assert!(normalize_code(" save-10 ").unwrap() == "SAVE-10");
        assert!(normalize_code("no").is_err() && normalize_code("bad code").is_err());
    }
}
