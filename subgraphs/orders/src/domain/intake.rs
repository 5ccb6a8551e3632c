//! Writing a new order: the order, its lines, its first status and its `order.placed`
//! event in one statement, whether it was placed here (`placeOrder`) or checked out
//! from a cart (`checkout.completed`, which carries the discount and tax checkout fixed).

use chrono::{DateTime, SubsecRound, Utc};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use mart_events::HandlerError;
use mart_events::catalog::{AddressPayload, CheckoutCompleted, Currency};
use uuid::Uuid;

use super::OrderStatus;
use super::placement::MAX_AMOUNT_MINOR;
use crate::emit;
use crate::storage::{self, rows::LineRow, rows::OrderRow};

/// The idempotency key an order checked out from cart `cart_id` is stored under: a cart
/// is checked out once. `placeOrder` refuses keys starting with [`CART_KEY_PREFIX`].
pub fn cart_key(cart_id: Uuid) -> String {
    format!("{CART_KEY_PREFIX}{cart_id}")
}

/// The idempotency keys of checked-out carts' orders.
pub const CART_KEY_PREFIX: &str = "cart:";

/// A new order and what it says of itself, ready to be written.
pub struct NewOrder<'a> {
    pub row: OrderRow,
    pub lines: Vec<LineRow>,
    pub currency: Currency,
    pub address: &'a AddressPayload,
    /// Sealed for payments' eyes only.
    pub sealed_payment_token: &'a str,
}

/// Writes `order`, its lines, first status and events unless its user already has an
/// order under its idempotency key (`None`: the first one stays), in one statement.
pub async fn write(
    conn: &AsyncPgConnection,
    order: &NewOrder<'_>,
) -> QueryResult<Option<OrderRow>> {
    let events = [
        emit::placed(
            &order.row,
            &order.lines,
            order.currency,
            order.address,
            order.sealed_payment_token,
        ),
        emit::created(&order.row),
    ];
    storage::new_order::insert(conn, &order.row, &order.lines, &events).await
}

/// Makes the order a checked-out cart asked for: priced as checkout showed it (lines,
/// discount, tax, shipping) and PENDING, so the saga takes it from here. `false` when
/// the order exists already (a redelivery). A payload whose figures do not add up is
/// refused for good: it goes to the dead letters rather than charging a wrong total.
pub async fn accept_checkout(
    conn: &mut AsyncPgConnection,
    event: &CheckoutCompleted,
    reservation_ttl: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<bool, HandlerError> {
    check_figures(event).map_err(HandlerError::Permanent)?;
    // Microseconds, as PostgreSQL keeps them: the events carry what the row holds.
    let now = now.trunc_subsecs(6);
    let currency = event.total.currency;
    if storage::find(conn, event.order_id).await?.is_some() {
        return Ok(false);
    }
    let key = cart_key(event.cart_id);
    let lines = event
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| LineRow {
            order_id: event.order_id,
            line_no: i as i32 + 1,
            product_id: l.product_id,
            quantity: l.quantity,
            unit_price_minor: l.unit_price.amount_minor,
            weight_grams: l.weight_grams,
            discount_minor: l.discount.amount_minor,
            tax_minor: l.tax.amount_minor,
        })
        .collect();
    let address_json = serde_json::to_value(&event.shipping_address)
        .map_err(|e| HandlerError::Permanent(e.to_string()))?;
    let row = OrderRow {
        id: event.order_id,
        number: storage::next_number(conn).await?,
        user_id: event.user_id,
        idempotency_key: key,
        status: OrderStatus::Pending.as_str().to_string(),
        cancel_reason: None,
        currency: currency.as_str().to_string(),
        subtotal_minor: event.subtotal.amount_minor,
        shipping_minor: event.shipping_cost.amount_minor,
        total_minor: event.total.amount_minor,
        total_weight_grams: event.total_weight_grams,
        shipping_address: address_json,
        reservation_expires_at: (now + reservation_ttl).trunc_subsecs(6),
        created_at: now,
        updated_at: now,
        request_fingerprint: None,
        discount_minor: event.discount.amount_minor,
        tax_minor: event.tax.amount_minor,
        discount_code: event.discount_code.clone(),
    };
    let order = NewOrder {
        row,
        lines,
        currency,
        address: &event.shipping_address,
        sealed_payment_token: &event.payment_token,
    };
    match write(conn, &order).await? {
        Some(_) => Ok(true),
        // placeOrder refuses keys in the `cart:` namespace, so only another event for the
        // same cart gets here: one cart, one order.
        None => {
            tracing::warn!(order_id = %event.order_id, cart_id = %event.cart_id,
                "a second checkout of one cart; the first order stands");
            Ok(false)
        }
    }
}

/// Every amount in one currency, none negative, and the parts adding up: the lines to
/// the subtotal, their discounts and taxes to the order's, and subtotal − discount +
/// tax + shipping to the total, which fits a GraphQL `Int`.
pub fn check_figures(event: &CheckoutCompleted) -> Result<(), String> {
    let currency = event.total.currency;
    let all = [
        &event.subtotal,
        &event.discount,
        &event.tax,
        &event.shipping_cost,
        &event.total,
    ];
    let lines = event
        .lines
        .iter()
        .flat_map(|l| [&l.unit_price, &l.discount, &l.tax]);
    if let Some(other) = all
        .into_iter()
        .chain(lines)
        .find(|m| m.currency != currency || m.amount_minor < 0)
    {
        return Err(format!(
            "checkout {} mixes currencies or has a negative amount ({} {})",
            event.order_id,
            other.amount_minor,
            other.currency.as_str()
        ));
    }
    if event.lines.is_empty() {
        return Err(format!("checkout {} has no lines", event.order_id));
    }
    let sum = |f: fn(&mart_events::catalog::CheckoutLinePayload) -> i64| -> i64 {
        event.lines.iter().map(f).sum()
    };
    let subtotal = sum(|l| l.unit_price.amount_minor * i64::from(l.quantity));
    let discount = sum(|l| l.discount.amount_minor);
    let tax = sum(|l| l.tax.amount_minor);
    let total = event.subtotal.amount_minor - event.discount.amount_minor
        + event.tax.amount_minor
        + event.shipping_cost.amount_minor;
    let adds_up = subtotal == event.subtotal.amount_minor
        && discount == event.discount.amount_minor
        && tax == event.tax.amount_minor
        && total == event.total.amount_minor
        && event.total.amount_minor <= MAX_AMOUNT_MINOR
        && event.lines.iter().all(|l| l.quantity > 0);
    if !adds_up {
        return Err(format!(
            "the figures of checkout {} do not add up",
            event.order_id
        ));
    }
    Ok(())
}
