//! What a cart costs now, from the products service's quotes.

use std::collections::HashMap;

use mart_service::upstream::ProductQuote;
use uuid::Uuid;

use super::CartLine;

/// One line at today's price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLine {
    pub product_id: Uuid,
    pub quantity: i32,
    /// `None` when the product can no longer be bought (archived or gone): the line
    /// stays for the customer to see and remove, and counts for nothing.
    pub unit_price: Option<Price>,
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
            PricedLine {
                product_id: line.product_id,
                quantity: line.quantity,
                unit_price,
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
        subtotal,
        item_count,
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
    fn an_empty_cart_has_no_subtotal() {
        let cart = price(&[], &HashMap::new());
        assert_eq!(cart.subtotal, None);
        assert_eq!(cart.item_count, 0);
    }
}
