//! What a cart costs now, from the products service's quotes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use mart_service::upstream::ProductQuote;
use uuid::Uuid;

use super::CartLine;
use super::discount::{DiscountCode, allocate};
use super::tax::{TaxRate, line_tax, rate_for};

/// One line at today's price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLine {
    pub product_id: Uuid,
    pub quantity: i32,
    /// `None` when the product can no longer be bought (archived or gone): the line
    /// stays for the customer to see and remove, and counts for nothing.
    pub unit_price: Option<Price>,
    pub category_id: Option<Uuid>,
    /// Of one item.
    pub weight_grams: i32,
    /// The line's share of the cart's discount ([`with_discount`]).
    pub discount_minor: i64,
    /// The line's tax on what is left after its discount, once the cart has a
    /// destination ([`with_destination`]).
    pub tax_minor: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Price {
    pub amount_minor: i64,
    pub currency: String,
}

impl PricedLine {
    pub fn total(&self) -> Option<Price> {
        self.unit_price.as_ref().map(|p| Price {
            amount_minor: p.amount_minor * i64::from(self.quantity),
            currency: p.currency.clone(),
        })
    }
}

/// A cart at today's prices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedCart {
    pub lines: Vec<PricedLine>,
    /// The sum of the priced lines; `None` when no line has a price.
    pub subtotal: Option<Price>,
    /// Items that can be bought (the priced lines' quantities).
    pub item_count: i32,
    /// Tax on the priced lines; `None` until the cart has an address.
    pub tax: Option<Price>,
    /// `None` until the cart has an address, or when nothing ships there.
    pub shipping: Option<Price>,
    /// What the cart's discount code takes off; `None` without one, or when it does
    /// not apply (then [`Self::discount_problem`] says why).
    pub discount: Option<Price>,
    pub discount_problem: Option<String>,
    /// Subtotal less discount, plus tax and shipping, as far as they are known.
    pub total: Option<Price>,
}

impl PricedCart {
    /// What the priced lines weigh, for the shipping rate.
    pub fn weight_grams(&self) -> i64 {
        self.lines
            .iter()
            .filter(|l| l.unit_price.is_some())
            .map(|l| i64::from(l.weight_grams) * i64::from(l.quantity))
            .sum()
    }
}

/// `cart` with `code` applied at `now`: the discount spread over the priced lines.
pub fn with_discount(mut cart: PricedCart, code: &DiscountCode, now: DateTime<Utc>) -> PricedCart {
    let Some(subtotal) = cart.subtotal.clone() else {
        return cart;
    };
    if let Err(problem) = code.applies(subtotal.amount_minor, &subtotal.currency, now) {
        cart.discount_problem = Some(problem.to_string());
        return cart;
    }
    let off = code.amount_off(subtotal.amount_minor);
    let totals: Vec<i64> = cart
        .lines
        .iter()
        .map(|l| l.total().map_or(0, |t| t.amount_minor))
        .collect();
    for (line, part) in cart.lines.iter_mut().zip(allocate(off, &totals)) {
        line.discount_minor = part;
    }
    cart.discount = Some(Price {
        amount_minor: off,
        currency: subtotal.currency,
    });
    cart.with_total()
}

/// `cart` sent where `rates` apply (the destination country's; empty: no tax) at
/// `shipping`: each priced line's tax (on the line less its discount), the cart's tax
/// and total.
pub fn with_destination(
    mut cart: PricedCart,
    rates: &[TaxRate],
    shipping: Option<Price>,
) -> PricedCart {
    let Some(subtotal) = cart.subtotal.clone() else {
        return cart;
    };
    let mut tax = 0;
    for line in &mut cart.lines {
        if let Some(total) = line.total() {
            let taxable = total.amount_minor - line.discount_minor;
            let line_tax = line_tax(taxable, rate_for(rates, line.category_id));
            line.tax_minor = Some(line_tax);
            tax += line_tax;
        }
    }
    cart.shipping = shipping.filter(|s| s.currency == subtotal.currency);
    cart.tax = Some(Price {
        amount_minor: tax,
        currency: subtotal.currency,
    });
    cart.with_total()
}

impl PricedCart {
    fn with_total(mut self) -> Self {
        let amount = |p: &Option<Price>| p.as_ref().map_or(0, |p| p.amount_minor);
        self.total = self.subtotal.as_ref().map(|subtotal| Price {
            amount_minor: subtotal.amount_minor - amount(&self.discount)
                + amount(&self.tax)
                + amount(&self.shipping),
            currency: subtotal.currency.clone(),
        });
        self
    }
}

/// Prices `lines` with `quotes` (one per product that exists). A product sold in
/// another currency than the cart's first priced line counts as unavailable: a cart
/// has one currency (adding such a product is refused, so only a later price change
/// gets here).
pub fn price(lines: &[CartLine], quotes: &HashMap<Uuid, ProductQuote>) -> PricedCart {
    let mut currency: Option<&str> = None;
    let lines: Vec<PricedLine> = lines
        .iter()
        .map(|line| {
            let unit_price = quotes
                .get(&line.product_id)
                .filter(|q| q.active)
                .filter(|q| *currency.get_or_insert(&q.currency) == q.currency)
                .map(|q| Price {
                    amount_minor: q.price_minor,
                    currency: q.currency.clone(),
                });
            let quote = quotes.get(&line.product_id);
            PricedLine {
                product_id: line.product_id,
                quantity: line.quantity,
                unit_price,
                category_id: quote.and_then(|q| q.category_id),
                weight_grams: quote.map_or(0, |q| q.weight_grams),
                discount_minor: 0,
                tax_minor: None,
            }
        })
        .collect();
    let priced: Vec<Price> = lines.iter().filter_map(PricedLine::total).collect();
    let subtotal = priced.first().map(|first| Price {
        amount_minor: priced.iter().map(|p| p.amount_minor).sum(),
        currency: first.currency.clone(),
    });
    let item_count = lines
        .iter()
        .filter(|l| l.unit_price.is_some())
        .map(|l| l.quantity)
        .sum();
    PricedCart {
        lines,
        total: subtotal.clone(),
        subtotal,
        item_count,
        tax: None,
        shipping: None,
        discount: None,
        discount_problem: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote(price: i64, currency: &str, active: bool) -> ProductQuote {
        ProductQuote {
            price_minor: price,
            currency: currency.into(),
            weight_grams: 100,
            active,
            category_id: None,
        }
    }

    fn line(p: u128, quantity: i32) -> CartLine {
        CartLine {
            product_id: Uuid::from_u128(p),
            quantity,
        }
    }

    #[test]
    fn lines_are_priced_and_summed_in_minor_units() {
        let quotes = HashMap::from([
            (Uuid::from_u128(1), quote(1999, "EUR", true)),
            (Uuid::from_u128(2), quote(250, "EUR", true)),
            (Uuid::from_u128(3), quote(500, "EUR", false)),
            (Uuid::from_u128(4), quote(700, "USD", true)),
        ]);
        let cart = price(
            &[line(1, 3), line(2, 2), line(3, 1), line(4, 1), line(5, 1)],
            &quotes,
        );
        assert_eq!(
            cart.subtotal.as_ref().unwrap().amount_minor,
            3 * 1999 + 2 * 250
        );
        assert_eq!(cart.subtotal.unwrap().currency, "EUR");
        assert_eq!(cart.item_count, 5);
        // Archived, another currency, gone: shown, not priced.
        let unpriced: Vec<u128> = cart
            .lines
            .iter()
            .filter(|l| l.unit_price.is_none())
            .map(|l| l.product_id.as_u128())
            .collect();
        assert_eq!(unpriced, [3, 4, 5]);
        assert_eq!(cart.lines[0].total().unwrap().amount_minor, 5997);
    }

    #[test]
    fn a_destination_adds_tax_per_line_and_shipping() {
        let books = Uuid::now_v7();
        let mut book = quote(1999, "EUR", true);
        book.category_id = Some(books);
        let quotes = HashMap::from([
            (Uuid::from_u128(1), book),
            (Uuid::from_u128(2), quote(1000, "EUR", true)),
        ]);
        let cart = price(&[line(1, 1), line(2, 3)], &quotes);
        assert_eq!(cart.weight_grams(), 400);
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
        let shipping = Price {
            amount_minor: 490,
            currency: "EUR".into(),
        };
        let sent = with_destination(cart.clone(), &rates, Some(shipping));
        // 1999 × 9 % = 179.91 → 180; 3000 × 21 % = 630.
        assert_eq!(sent.lines[0].tax_minor, Some(180));
        assert_eq!(sent.lines[1].tax_minor, Some(630));
        assert_eq!(sent.tax.as_ref().unwrap().amount_minor, 810);
        assert_eq!(sent.total.unwrap().amount_minor, 4999 + 810 + 490);
        // No tax where no rate is kept; no shipping rate: the total leaves it out.
        let untaxed = with_destination(cart, &[], None);
        assert_eq!(untaxed.tax.unwrap().amount_minor, 0);
        assert_eq!(untaxed.shipping, None);
        assert_eq!(untaxed.total.unwrap().amount_minor, 4999);
    }

    #[test]
    fn a_discount_lowers_each_lines_tax() {
        use crate::domain::discount::Off;
        let quotes = HashMap::from([
            (Uuid::from_u128(1), quote(1000, "EUR", true)),
            (Uuid::from_u128(2), quote(2000, "EUR", true)),
        ]);
        let cart = price(&[line(1, 1), line(2, 1)], &quotes);
        let code = DiscountCode {
            code: "TEN".into(),
            off: Off::Percent(1000),
            min_subtotal_minor: 0,
            starts_at: Utc::now() - chrono::Duration::hours(1),
            ends_at: None,
            max_uses: None,
            max_uses_per_customer: None,
            uses: 0,
        };
        let discounted = with_discount(cart, &code, Utc::now());
        assert_eq!(discounted.discount.as_ref().unwrap().amount_minor, 300);
        assert_eq!(discounted.total.as_ref().unwrap().amount_minor, 2700);
        let rates = [TaxRate {
            country: "NL".into(),
            category_id: None,
            basis_points: 2100,
        }];
        let sent = with_destination(discounted, &rates, None);
        // (1000 − 100) × 21 % = 189; (2000 − 200) × 21 % = 378.
        assert_eq!(sent.lines[0].tax_minor, Some(189));
        assert_eq!(sent.lines[1].tax_minor, Some(378));
        assert_eq!(sent.total.unwrap().amount_minor, 2700 + 567);
        // Below its minimum: not applied, and the cart says why.
        let small = price(&[line(1, 1)], &quotes);
        let picky = DiscountCode {
            min_subtotal_minor: 5_000,
            ..code
        };
        let refused = with_discount(small, &picky, Utc::now());
        assert_eq!(refused.discount, None);
        assert!(refused.discount_problem.unwrap().contains("at least 5000"));
    }

    #[test]
    fn an_empty_cart_has_no_subtotal() {
        let cart = price(&[], &HashMap::new());
        assert_eq!(cart.subtotal, None);
        assert_eq!(cart.item_count, 0);
    }
}
