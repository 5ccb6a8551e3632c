//! Checking a cart out. The cart is priced again now; if its total is not the one the
//! customer last saw, nothing is placed and they are shown the new figures
//! (`PRICE_CHANGED`). Otherwise, in one transaction: the discount code's use is taken
//! (or the checkout answers `PRICE_CHANGED` without the discount, when the code has no
//! use left), the cart becomes ORDERED, and `checkout.completed` goes to the outbox for
//! orders to make the order from, so the saga starts. A crash after the commit loses
//! nothing (the event is published when the service is back); a crash before it leaves
//! the cart as it was and the use untaken.

use std::time::Duration;

use chrono::Utc;
use diesel_async::AsyncConnection;
use mart_events::catalog::{CheckoutCompleted, CheckoutLinePayload, Currency, MoneyPayload};
use mart_events::enqueue;
use mart_service::identity::AccessToken;
use uuid::Uuid;

use super::pricing::{Price, PricedCart};
use super::{Cart, CartStatus, Carts, CheckoutError};
use crate::storage::{carts, discounts};

/// The idempotency key is kept with the cart and compared on every retry.
pub const MAX_KEY_LEN: usize = 200;
/// Card processors' tokens are far shorter; the bound keeps the event small (issue 13).
pub const MAX_PAYMENT_TOKEN_LEN: usize = 256;
/// `Money.amountMinor` is a GraphQL `Int` (32 bits, signed): no order may cost more.
pub const MAX_AMOUNT_MINOR: i64 = i32::MAX as i64;
/// How long a checkout waits for orders to have made its order, so the customer can
/// read it (and subscribe to it) as soon as the answer comes. Orders makes it from the
/// event within tens of milliseconds when all is well; past this, the answer goes out
/// anyway with the order's id, and the order follows.
pub const ORDER_WAIT: Duration = Duration::from_secs(5);

/// What the customer sends to check out.
#[derive(Debug, Clone)]
pub struct CheckoutRequest {
    pub payment_token: String,
    pub idempotency_key: String,
    /// The total the customer was shown, in minor units of the cart's currency.
    pub expected_total_minor: i64,
}

/// How a checkout ended.
#[derive(Debug, Clone)]
pub enum Completion {
    /// The order is placed (for a retry with the same key: was placed).
    Placed { cart: Cart, order_id: Uuid },
    /// Nothing was placed: the cart's total is not the one expected (a price, the
    /// shipping rate, a tax rate changed, or the discount code has no use left).
    PriceChanged { cart: Cart },
}

fn validate(request: &CheckoutRequest) -> Result<CheckoutRequest, CheckoutError> {
    let key = request.idempotency_key.trim();
    if key.is_empty() || key.chars().count() > MAX_KEY_LEN {
        return Err(CheckoutError::bad_input(
            "idempotencyKey",
            format!("idempotencyKey must be 1 to {MAX_KEY_LEN} characters"),
        ));
    }
    let token = request.payment_token.trim();
    if token.is_empty() || token.chars().count() > MAX_PAYMENT_TOKEN_LEN {
        return Err(CheckoutError::bad_input(
            "paymentToken",
            format!("paymentToken must be 1 to {MAX_PAYMENT_TOKEN_LEN} characters"),
        ));
    }
    Ok(CheckoutRequest {
        payment_token: token.to_string(),
        idempotency_key: key.to_string(),
        expected_total_minor: request.expected_total_minor,
    })
}

/// The answer for a cart already checked out: the same order for the same key, a
/// conflict for another (the customer should look at their orders, not pay twice).
fn replay(cart: Cart, key: &str) -> Result<Completion, CheckoutError> {
    match &cart.checkout {
        Some((order_id, first_key)) if first_key == key => Ok(Completion::Placed {
            order_id: *order_id,
            cart,
        }),
        _ => Err(CheckoutError::AlreadyOrdered(cart.id)),
    }
}

/// The customer's own cart, as checkout may take it: active (or checked out, for a
/// retry); a guest's cart must be merged into theirs first.
fn own_cart(cart: Cart, user: Uuid) -> Result<Cart, CheckoutError> {
    match cart.user_id {
        Some(owner) if owner == user => {}
        None if cart.status == CartStatus::Active => {
            return Err(CheckoutError::bad_input(
                "cartId",
                "this is a guest's cart: adopt it with mergeCart before checking out",
            ));
        }
        _ => return Err(CheckoutError::NoCart(cart.id)),
    }
    match cart.status {
        CartStatus::Merged => Err(CheckoutError::NoCart(cart.id)),
        CartStatus::Active if cart.expires_at <= Utc::now() => Err(CheckoutError::NoCart(cart.id)),
        _ => Ok(cart),
    }
}

/// The `checkout.completed` of `cart` priced as `priced`, or why it cannot be ordered:
/// every line must be for sale, and the cart needs an address that is shipped to.
fn completed(
    cart: &Cart,
    priced: &PricedCart,
    order_id: Uuid,
    sealed_payment_token: String,
) -> Result<CheckoutCompleted, CheckoutError> {
    let bad = |field, message: String| CheckoutError::bad_input(field, message);
    if priced.lines.is_empty() {
        return Err(bad("cartId", "the cart is empty".into()));
    }
    if let Some(line) = priced.lines.iter().find(|l| l.unit_price.is_none()) {
        return Err(bad(
            "cartId",
            format!(
                "product {} is no longer sold; remove it from the cart",
                line.product_id
            ),
        ));
    }
    let Some(address) = &cart.shipping_address else {
        return Err(bad(
            "cartId",
            "the cart has no shipping address: set one first".into(),
        ));
    };
    let Some(shipping) = &priced.shipping else {
        return Err(bad(
            "cartId",
            format!("we do not ship this cart to {}", address.country),
        ));
    };
    let (Some(subtotal), Some(total)) = (&priced.subtotal, &priced.total) else {
        return Err(bad("cartId", "the cart is empty".into()));
    };
    if total.amount_minor > MAX_AMOUNT_MINOR {
        return Err(bad(
            "cartId",
            format!(
                "the cart comes to {} minor units of {}; an order may come to at most \
                 {MAX_AMOUNT_MINOR}: split it into smaller orders",
                total.amount_minor, total.currency
            ),
        ));
    }
    let currency = Currency::parse(&subtotal.currency).ok_or_else(|| {
        CheckoutError::Internal(format!("the cart's currency {:?}", subtotal.currency))
    })?;
    let money = |amount_minor| MoneyPayload {
        amount_minor,
        currency,
    };
    let of = |p: &Option<Price>| money(p.as_ref().map_or(0, |p| p.amount_minor));
    let lines = priced
        .lines
        .iter()
        .map(|l| CheckoutLinePayload {
            product_id: l.product_id,
            quantity: l.quantity,
            unit_price: of(&l.unit_price),
            weight_grams: l.weight_grams,
            discount: money(l.discount_minor),
            tax: money(l.tax_minor.unwrap_or(0)),
        })
        .collect();
    Ok(CheckoutCompleted {
        order_id,
        cart_id: cart.id,
        user_id: cart.user_id.expect("checked: the customer's own cart"),
        lines,
        subtotal: money(subtotal.amount_minor),
        discount: of(&priced.discount),
        discount_code: priced.discount.as_ref().and(cart.discount_code.clone()),
        tax: of(&priced.tax),
        shipping_cost: money(shipping.amount_minor),
        total: money(total.amount_minor),
        total_weight_grams: priced.weight_grams(),
        shipping_address: address.clone(),
        payment_token: sealed_payment_token,
        completed_at: Utc::now(),
    })
}

/// What the transaction decided.
enum Taken {
    /// The cart is ORDERED and the event written.
    Placed,
    /// Someone checked the cart out in between (a concurrent retry, say).
    Already(Box<Cart>),
    /// The discount code had no use left for this customer.
    CodeUsedUp,
}

impl Carts {
    /// Checks cart `cart_id` of customer `user` out (see the module's text). `token` is
    /// the customer's, to ask orders whether it has the order yet.
    pub async fn complete(
        &self,
        cart_id: Uuid,
        user: Uuid,
        token: Option<&AccessToken>,
        request: &CheckoutRequest,
    ) -> Result<Completion, CheckoutError> {
        let done = self.check_out(cart_id, user, request).await?;
        // A retry too: the first answer may have been lost in a crash before orders had
        // the order.
        if let (Completion::Placed { order_id, .. }, Some(token)) = (&done, token) {
            self.wait_for_order(token, *order_id).await;
        }
        Ok(done)
    }

    async fn check_out(
        &self,
        cart_id: Uuid,
        user: Uuid,
        request: &CheckoutRequest,
    ) -> Result<Completion, CheckoutError> {
        let request = validate(request)?;
        let cart = own_cart(self.any_cart(cart_id).await?, user)?;
        if cart.status == CartStatus::Ordered {
            return replay(cart, &request.idempotency_key);
        }
        let priced = self.price(&cart).await?;
        let order_id = Uuid::now_v7();
        let sealed = self.services.seal.seal(&request.payment_token);
        let event = completed(&cart, &priced, order_id, sealed)?;
        if event.total.amount_minor != request.expected_total_minor {
            return Ok(Completion::PriceChanged { cart });
        }

        let mut conn = self.db.conn().await?;
        let taken = conn
            .transaction::<_, CheckoutError, _>(async |c| {
                let row = carts::lock(c, cart_id)
                    .await?
                    .ok_or(CheckoutError::NoCart(cart_id))?;
                let now = super::carts::load(c, row).await?;
                if now.status != CartStatus::Active {
                    return Ok(Taken::Already(Box::new(now)));
                }
                // The lines, the code or the address changed since the cart was priced:
                // the customer is shown it again.
                if now.lines != cart.lines
                    || now.discount_code != cart.discount_code
                    || now.shipping_address != cart.shipping_address
                {
                    return Ok(Taken::Already(Box::new(now)));
                }
                if let Some(code) = &event.discount_code
                    && !discounts::take_use(c, code, user, order_id).await?
                {
                    return Ok(Taken::CodeUsedUp);
                }
                carts::mark_ordered(c, cart_id, order_id, &request.idempotency_key).await?;
                enqueue(c, &event).await?;
                Ok(Taken::Placed)
            })
            .await?;
        match taken {
            Taken::Placed => {}
            Taken::Already(now) if now.status == CartStatus::Ordered => {
                return replay(*now, &request.idempotency_key);
            }
            Taken::Already(now) => return Ok(Completion::PriceChanged { cart: *now }),
            // Priced again, the cart shows the code as used up and the total without it.
            Taken::CodeUsedUp => return Ok(Completion::PriceChanged { cart }),
        }
        self.services.outbox.committed();
        tracing::info!(%order_id, cart_id = %cart_id, "cart checked out");
        let row = carts::find(&mut conn, cart_id)
            .await?
            .ok_or(CheckoutError::NoCart(cart_id))?;
        Ok(Completion::Placed {
            cart: super::carts::load(&mut conn, row).await?,
            order_id,
        })
    }

    /// Polls orders until it has `order_id` or [`ORDER_WAIT`] has passed (or orders
    /// cannot be asked: the order comes all the same).
    async fn wait_for_order(&self, token: &AccessToken, order_id: Uuid) {
        let deadline = tokio::time::Instant::now() + ORDER_WAIT;
        let mut pause = Duration::from_millis(10);
        loop {
            match self.services.orders.has(token, order_id).await {
                Ok(true) => return,
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(%order_id, error = %e, "cannot ask orders for a checked-out order");
                    return;
                }
            }
            if tokio::time::Instant::now() + pause > deadline {
                tracing::warn!(%order_id, "orders has not made a checked-out order yet");
                return;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(200));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(token: &str, key: &str) -> CheckoutRequest {
        CheckoutRequest {
            payment_token: token.into(),
            idempotency_key: key.into(),
            expected_total_minor: 100,
        }
    }

    #[test]
    fn keys_and_tokens_are_bounded_and_trimmed() {
        let ok = validate(&request(" tok_ok ", " k1 ")).unwrap();
        assert_eq!(
            (ok.payment_token.as_str(), ok.idempotency_key.as_str()),
            ("tok_ok", "k1")
        );
        let field = |r: CheckoutRequest| match validate(&r).unwrap_err() {
            CheckoutError::BadInput { field, .. } => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(request("tok", " ")), "idempotencyKey");
        assert_eq!(
            field(request("tok", &"k".repeat(MAX_KEY_LEN + 1))),
            "idempotencyKey"
        );
        assert_eq!(field(request("", "k")), "paymentToken");
        let long = "t".repeat(MAX_PAYMENT_TOKEN_LEN + 1);
        assert_eq!(field(request(&long, "k")), "paymentToken");
    }
}
