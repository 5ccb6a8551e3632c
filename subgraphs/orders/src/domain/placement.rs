//! Checking an order request and pricing it from the quotes the products and
//! shipping services gave: pure functions, so every refusal is unit-tested.

use std::collections::HashMap;

use mart_events::catalog::{AddressPayload, Currency};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::OrdersError;

pub use super::address::{validate_address, validate_saved_address};

pub const MAX_QUANTITY: i32 = 100;
pub const MAX_LINES: usize = 50;
/// Lines as sent, before the same product's lines are merged: the most a
/// valid order can use is [`MAX_LINES`] products, so anything far beyond is
/// refused before the merge (quadratic in the number of lines) runs.
pub const MAX_INPUT_LINES: usize = 200;
/// The idempotency key is stored with the order and compared on every retry;
/// a UUID or a client-made key fits with room to spare.
pub const MAX_KEY_LEN: usize = 200;
/// The payment token is copied into the `order.placed` event and handed to
/// the card processor, whose tokens are far shorter; without a bound a single
/// request could make an event larger than the broker accepts and stop the
/// outbox (issue 13).
pub const MAX_PAYMENT_TOKEN_LEN: usize = 256;
/// The most an order, its subtotal or any of its lines may come to, in minor
/// units (21,474,836.47 EUR): `Money.amountMinor` is a GraphQL `Int`, 32 bits
/// signed, so a larger amount would reach clients as null through the router.
/// Refused at placement, before anything is written.
pub const MAX_AMOUNT_MINOR: i64 = i32::MAX as i64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRequest {
    pub product_id: Uuid,
    pub quantity: i32,
}

/// Where the order goes, as the client said it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Typed in with the order.
    Address(AddressPayload),
    /// One of the caller's addresses saved with the users service, looked up
    /// at placement.
    Saved(Uuid),
}

#[derive(Debug, Clone)]
pub struct PlaceOrderRequest {
    pub lines: Vec<LineRequest>,
    pub destination: Destination,
    pub payment_token: String,
    pub idempotency_key: String,
}

pub use mart_service::upstream::{ProductQuote, ShippingQuote};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLine {
    pub product_id: Uuid,
    pub quantity: i32,
    pub unit_price_minor: i64,
    pub weight_grams: i32,
}

/// Lines priced in one currency, before shipping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLines {
    pub lines: Vec<PricedLine>,
    pub currency: Currency,
    pub subtotal_minor: i64,
    pub total_weight_grams: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    pub shipping_minor: i64,
    pub total_minor: i64,
}

fn bad(field: &'static str, message: impl Into<String>) -> OrdersError {
    OrdersError::bad_input(field, message)
}

/// Refuses what no pricing can fix; the same product twice is merged into one
/// line.
pub fn validate(request: &PlaceOrderRequest) -> Result<PlaceOrderRequest, OrdersError> {
    let key = request.idempotency_key.trim();
    if key.is_empty() || key.chars().count() > MAX_KEY_LEN {
        return Err(bad(
            "idempotencyKey",
            format!("idempotencyKey must be 1 to {MAX_KEY_LEN} characters"),
        ));
    }
    if key.starts_with(super::intake::CART_KEY_PREFIX) {
        return Err(bad(
            "idempotencyKey",
            format!(
                "idempotencyKey may not start with {:?}: those keys are checked-out carts'",
                super::intake::CART_KEY_PREFIX
            ),
        ));
    }
    let token = request.payment_token.trim();
    if token.is_empty() {
        return Err(bad("paymentToken", "paymentToken must not be empty"));
    }
    if token.chars().count() > MAX_PAYMENT_TOKEN_LEN {
        return Err(bad(
            "paymentToken",
            format!("paymentToken must be at most {MAX_PAYMENT_TOKEN_LEN} characters"),
        ));
    }
    if request.lines.is_empty() {
        return Err(bad("lines", "an order needs at least one line"));
    }
    if request.lines.len() > MAX_INPUT_LINES {
        return Err(bad(
            "lines",
            format!("at most {MAX_INPUT_LINES} lines per order"),
        ));
    }
    let mut merged: Vec<LineRequest> = Vec::new();
    for line in &request.lines {
        if line.quantity <= 0 || line.quantity > MAX_QUANTITY {
            return Err(bad(
                "lines.quantity",
                format!("quantity must be between 1 and {MAX_QUANTITY}"),
            ));
        }
        match merged.iter_mut().find(|m| m.product_id == line.product_id) {
            Some(existing) => existing.quantity += line.quantity,
            None => merged.push(line.clone()),
        }
    }
    if merged.iter().any(|l| l.quantity > MAX_QUANTITY) {
        return Err(bad(
            "lines.quantity",
            format!("at most {MAX_QUANTITY} of one product per order"),
        ));
    }
    if merged.len() > MAX_LINES {
        return Err(bad(
            "lines",
            format!("at most {MAX_LINES} different products per order"),
        ));
    }
    Ok(PlaceOrderRequest {
        lines: merged,
        destination: match &request.destination {
            Destination::Address(address) => Destination::Address(validate_address(address)?),
            Destination::Saved(id) => Destination::Saved(*id),
        },
        payment_token: token.to_string(),
        idempotency_key: key.to_string(),
    })
}

/// What a placement asks for, as 32 bytes stored with its idempotency key:
/// the same key sent again with the same request is a retry (answered with
/// the first order), with another request a mistake (`CONFLICT`). Taken over
/// the [validated](validate) request, so spacing, the case of the country and
/// the order of the lines do not count; the key itself does not either.
pub fn fingerprint(request: &PlaceOrderRequest) -> Vec<u8> {
    let mut hash = Sha256::new();
    // Each part with its length before it: no two requests hash the same
    // bytes by shifting text from one field into the next.
    let mut part = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_be_bytes());
        hash.update(bytes);
    };
    part(b"placeOrder/1");
    let mut lines: Vec<&LineRequest> = request.lines.iter().collect();
    lines.sort_by_key(|l| l.product_id);
    part(&(lines.len() as u64).to_be_bytes());
    for line in lines {
        part(line.product_id.as_bytes());
        part(&line.quantity.to_be_bytes());
    }
    match &request.destination {
        Destination::Address(a) => {
            part(b"address");
            for text in [&a.name, &a.line1, &a.city, &a.postal_code, &a.country] {
                part(text.as_bytes());
            }
            match &a.line2 {
                Some(line2) => {
                    part(b"line2");
                    part(line2.as_bytes());
                }
                None => part(b"no line2"),
            }
        }
        Destination::Saved(id) => {
            part(b"saved");
            part(id.as_bytes());
        }
    }
    part(request.payment_token.as_bytes());
    hash.finalize().to_vec()
}

fn too_large(what: &str, amount: Option<i64>, currency: &str) -> OrdersError {
    let amount = amount.map_or_else(|| "more".to_string(), |a| a.to_string());
    bad(
        "lines",
        format!(
            "{what} would come to {amount} minor units of {currency}; \
             an order may come to at most {MAX_AMOUNT_MINOR}: split it into smaller orders"
        ),
    )
}

/// Prices every line from `quotes` (missing = unknown product); no line and
/// no subtotal may come to more than [`MAX_AMOUNT_MINOR`].
pub fn price_lines(
    lines: &[LineRequest],
    quotes: &HashMap<Uuid, ProductQuote>,
) -> Result<PricedLines, OrdersError> {
    let mut currency: Option<Currency> = None;
    let mut subtotal: i64 = 0;
    let mut weight: i64 = 0;
    let mut priced = Vec::with_capacity(lines.len());
    for line in lines {
        let quote = quotes.get(&line.product_id).ok_or_else(|| {
            bad(
                "lines.productId",
                format!("unknown product {}", line.product_id),
            )
        })?;
        if !quote.active {
            return Err(bad(
                "lines.productId",
                format!("product {} is no longer sold", line.product_id),
            ));
        }
        let line_currency = Currency::parse(&quote.currency).ok_or_else(|| {
            OrdersError::Internal(format!("product currency {:?}", quote.currency))
        })?;
        match currency {
            None => currency = Some(line_currency),
            Some(c) if c != line_currency => {
                return Err(bad(
                    "lines.productId",
                    format!(
                        "products are priced in different currencies ({} and {})",
                        c.as_str(),
                        line_currency.as_str()
                    ),
                ));
            }
            Some(_) => {}
        }
        let quantity = i64::from(line.quantity);
        let line_total = quote
            .price_minor
            .checked_mul(quantity)
            .filter(|total| *total <= MAX_AMOUNT_MINOR);
        let Some(line_total) = line_total else {
            let what = format!("the line of product {}", line.product_id);
            let amount = quote.price_minor.checked_mul(quantity);
            return Err(too_large(&what, amount, &quote.currency));
        };
        subtotal = subtotal
            .checked_add(line_total)
            .filter(|total| *total <= MAX_AMOUNT_MINOR)
            .ok_or_else(|| {
                too_large(
                    "the order",
                    subtotal.checked_add(line_total),
                    &quote.currency,
                )
            })?;
        weight += i64::from(quote.weight_grams) * quantity;
        priced.push(PricedLine {
            product_id: line.product_id,
            quantity: line.quantity,
            unit_price_minor: quote.price_minor,
            weight_grams: quote.weight_grams,
        });
    }
    Ok(PricedLines {
        lines: priced,
        currency: currency.ok_or_else(|| bad("lines", "an order needs at least one line"))?,
        subtotal_minor: subtotal,
        total_weight_grams: weight,
    })
}

/// Adds shipping, which must be in the products' currency; the total may
/// come to no more than [`MAX_AMOUNT_MINOR`].
pub fn totals(lines: &PricedLines, shipping: &ShippingQuote) -> Result<Totals, OrdersError> {
    if shipping.currency != lines.currency.as_str() {
        return Err(bad(
            "lines",
            format!(
                "shipping is charged in {} but the products are priced in {}",
                shipping.currency,
                lines.currency.as_str()
            ),
        ));
    }
    let total = lines.subtotal_minor.checked_add(shipping.amount_minor);
    let total = total
        .filter(|total| *total <= MAX_AMOUNT_MINOR)
        .ok_or_else(|| too_large("the order with shipping", total, &shipping.currency))?;
    Ok(Totals {
        shipping_minor: shipping.amount_minor,
        total_minor: total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address() -> AddressPayload {
        AddressPayload {
            name: "Ada Lovelace".into(),
            line1: "1 Analytical Way".into(),
            line2: None,
            city: "Berlin".into(),
            postal_code: "10115".into(),
            country: "de".into(),
        }
    }

    fn request(lines: Vec<LineRequest>) -> PlaceOrderRequest {
        PlaceOrderRequest {
            lines,
            destination: Destination::Address(address()),
            payment_token: "tok_ok".into(),
            idempotency_key: "k1".into(),
        }
    }

    fn line(id: u128, quantity: i32) -> LineRequest {
        LineRequest {
            product_id: Uuid::from_u128(id),
            quantity,
        }
    }

    fn quote(price: i64, currency: &str, active: bool) -> ProductQuote {
        ProductQuote {
            price_minor: price,
            currency: currency.into(),
            weight_grams: 250,
            active,
            category_id: None,
        }
    }

    fn field_of(err: OrdersError) -> &'static str {
        match err {
            OrdersError::BadInput { field, .. } => field,
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
    }

    #[test]
    fn empty_orders_and_bad_quantities_are_refused() {
        assert_eq!(field_of(validate(&request(vec![])).unwrap_err()), "lines");
        for quantity in [0, -1, 101] {
            let err = validate(&request(vec![line(1, quantity)])).unwrap_err();
            assert_eq!(field_of(err), "lines.quantity", "quantity {quantity}");
        }
        let err = validate(&request(vec![line(1, 60), line(1, 41)])).unwrap_err();
        assert_eq!(field_of(err), "lines.quantity");
    }

    fn with_address(edit: impl FnOnce(&mut AddressPayload)) -> PlaceOrderRequest {
        let mut a = address();
        edit(&mut a);
        PlaceOrderRequest {
            destination: Destination::Address(a),
            ..request(vec![line(1, 1)])
        }
    }

    #[test]
    fn repeated_products_are_merged_and_the_country_normalised() {
        let valid = validate(&request(vec![line(1, 2), line(2, 1), line(1, 3)])).unwrap();
        assert_eq!(valid.lines, vec![line(1, 5), line(2, 1)]);
        let Destination::Address(a) = valid.destination else {
            panic!("a typed address stays typed");
        };
        assert_eq!(a.country, "DE");
    }

    #[test]
    fn addresses_need_their_fields() {
        let r = with_address(|a| a.city = "  ".into());
        assert_eq!(field_of(validate(&r).unwrap_err()), "address.city");
        let r = with_address(|a| a.country = "Germany".into());
        assert_eq!(field_of(validate(&r).unwrap_err()), "address.country");
        let mut r = request(vec![line(1, 1)]);
        r.idempotency_key = String::new();
        assert_eq!(field_of(validate(&r).unwrap_err()), "idempotencyKey");
        r.idempotency_key = format!("cart:{}", Uuid::from_u128(9));
        assert_eq!(field_of(validate(&r).unwrap_err()), "idempotencyKey");
    }

    #[test]
    fn free_text_and_line_counts_are_bounded() {
        let mut r = request(vec![line(1, 1)]);
        r.payment_token = "t".repeat(MAX_PAYMENT_TOKEN_LEN);
        assert!(validate(&r).is_ok());
        r.payment_token = "t".repeat(MAX_PAYMENT_TOKEN_LEN + 1);
        assert_eq!(field_of(validate(&r).unwrap_err()), "paymentToken");
        let mut r = request(vec![line(1, 1)]);
        r.idempotency_key = "ü".repeat(MAX_KEY_LEN);
        assert!(validate(&r).is_ok(), "the key is counted in characters");
        r.idempotency_key = "k".repeat(MAX_KEY_LEN + 1);
        assert_eq!(field_of(validate(&r).unwrap_err()), "idempotencyKey");
        let r = request((0..=MAX_INPUT_LINES).map(|_| line(1, 0)).collect());
        assert_eq!(field_of(validate(&r).unwrap_err()), "lines");
    }

    #[test]
    fn a_saved_address_is_left_for_users_to_answer() {
        let saved = PlaceOrderRequest {
            destination: Destination::Saved(Uuid::from_u128(7)),
            ..request(vec![line(1, 1)])
        };
        assert_eq!(validate(&saved).unwrap().destination, saved.destination);
    }

    #[test]
    fn pricing_snapshots_prices_and_weights() {
        let quotes = HashMap::from([
            (Uuid::from_u128(1), quote(1999, "EUR", true)),
            (Uuid::from_u128(2), quote(500, "EUR", true)),
        ]);
        let priced = price_lines(&[line(1, 2), line(2, 3)], &quotes).unwrap();
        assert_eq!(priced.subtotal_minor, 2 * 1999 + 3 * 500);
        assert_eq!(priced.total_weight_grams, 5 * 250);
        assert_eq!(priced.currency.as_str(), "EUR");
        let shipping = ShippingQuote {
            amount_minor: 490,
            currency: "EUR".into(),
        };
        let totals = totals(&priced, &shipping).unwrap();
        assert_eq!(totals.total_minor, 2 * 1999 + 3 * 500 + 490);
    }

    #[test]
    fn amounts_beyond_a_graphql_int_are_refused() {
        let max = MAX_AMOUNT_MINOR;
        let eur = |amount_minor| ShippingQuote {
            amount_minor,
            currency: "EUR".into(),
        };
        let quotes = HashMap::from([
            (Uuid::from_u128(1), quote(max, "EUR", true)),
            (Uuid::from_u128(2), quote(max / 2 + 1, "EUR", true)),
            (Uuid::from_u128(3), quote(max / 4, "EUR", true)),
        ]);
        // One line of two: 2 × (max/2 + 1) = max + 1.
        let err = price_lines(&[line(2, 2)], &quotes).unwrap_err();
        assert_eq!(field_of(err), "lines");
        // Lines within the bound, their sum beyond it.
        let err = price_lines(&[line(3, 3), line(2, 1)], &quotes).unwrap_err();
        assert_eq!(field_of(err), "lines");
        // At the bound exactly the order goes through, without shipping.
        let priced = price_lines(&[line(1, 1)], &quotes).unwrap();
        assert_eq!(totals(&priced, &eur(0)).unwrap().total_minor, max);
        // Shipping takes it over.
        let err = totals(&priced, &eur(490)).unwrap_err();
        match err {
            OrdersError::BadInput { field, message } => {
                assert_eq!(field, "lines");
                assert!(message.contains("2147484137"), "{message}");
                assert!(message.contains("at most 2147483647"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let priced = PricedLines {
            subtotal_minor: i64::MAX,
            ..priced
        };
        assert_eq!(field_of(totals(&priced, &eur(1)).unwrap_err()), "lines");
    }

    #[test]
    fn a_fingerprint_tells_a_retry_from_another_request() {
        let first = validate(&request(vec![line(1, 2), line(2, 1)])).unwrap();
        let print = fingerprint(&first);
        assert_eq!(print.len(), 32);
        // The same request sent again, differently spelled: the same print.
        let mut again = request(vec![line(2, 1), line(1, 1), line(1, 1)]);
        again.payment_token = " tok_ok ".into();
        again.idempotency_key = "another key".into();
        again.destination = Destination::Address(AddressPayload {
            line1: " 1 Analytical Way".into(),
            country: "DE".into(),
            ..address()
        });
        assert_eq!(fingerprint(&validate(&again).unwrap()), print);

        let differs = |edit: fn(&mut PlaceOrderRequest)| {
            let mut other = first.clone();
            edit(&mut other);
            fingerprint(&other) != print
        };
        assert!(differs(|r| r.lines[0].quantity = 3));
        assert!(differs(|r| r.lines[1].product_id = Uuid::from_u128(3)));
        assert!(differs(|r| r.lines.truncate(1)));
        assert!(differs(|r| r.payment_token = "tok_declined".into()));
        assert!(differs(
            |r| r.destination = Destination::Saved(Uuid::from_u128(7))
        ));
        assert!(differs(|r| {
            if let Destination::Address(a) = &mut r.destination {
                a.line2 = Some("Flat 2".into());
            }
        }));
        assert!(differs(|r| {
            if let Destination::Address(a) = &mut r.destination {
                // The same characters, moved from one field to the next.
                a.name = "Ada Lovelace1".into();
                a.line1 = " Analytical Way".into();
            }
        }));
    }

    #[test]
    fn unknown_archived_and_mixed_currency_products_are_refused() {
        let quotes = HashMap::from([
            (Uuid::from_u128(1), quote(100, "EUR", true)),
            (Uuid::from_u128(2), quote(100, "USD", true)),
            (Uuid::from_u128(3), quote(100, "EUR", false)),
        ]);
        for lines in [
            vec![line(9, 1)],
            vec![line(3, 1)],
            vec![line(1, 1), line(2, 1)],
        ] {
            let err = price_lines(&lines, &quotes).unwrap_err();
            assert_eq!(field_of(err), "lines.productId", "{lines:?}");
        }
        let priced = price_lines(&[line(1, 1)], &quotes).unwrap();
        let usd = ShippingQuote {
            amount_minor: 1,
            currency: "USD".into(),
        };
        assert_eq!(field_of(totals(&priced, &usd).unwrap_err()), "lines");
    }
}
