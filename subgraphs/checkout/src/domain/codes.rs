//! Discount codes: staff create them, a cart carries one.

use chrono::Utc;
use uuid::Uuid;

use super::carts::Edit;
use super::discount::{DiscountCode, Off, normalize_code};
use super::{Cart, Carts, CheckoutError};
use crate::storage::discounts;
use crate::storage::rows::DiscountRow;

impl Carts {
    /// Puts the code on the cart if it applies to it now; otherwise `BAD_USER_INPUT`
    /// saying why. It is checked again whenever the cart is priced.
    pub async fn apply_code(
        &self,
        id: Uuid,
        caller: Option<Uuid>,
        text: &str,
    ) -> Result<Cart, CheckoutError> {
        let code = normalize_code(text)?;
        let discount = self
            .discount_code(&code)
            .await?
            .ok_or_else(|| CheckoutError::bad_input("code", format!("no discount code {code}")))?;
        let cart = self.get(id, caller).await?;
        let priced = self.price(&cart).await?;
        let Some(subtotal) = priced.subtotal else {
            return Err(CheckoutError::bad_input(
                "code",
                "the cart has nothing to discount",
            ));
        };
        discount
            .applies(subtotal.amount_minor, &subtotal.currency, Utc::now())
            .map_err(|why| CheckoutError::bad_input("code", why.to_string()))?;
        self.change(id, caller, Edit::Discount(Some(code))).await
    }

    pub async fn remove_code(&self, id: Uuid, caller: Option<Uuid>) -> Result<Cart, CheckoutError> {
        self.change(id, caller, Edit::Discount(None)).await
    }

    pub(super) async fn discount_code(
        &self,
        code: &str,
    ) -> Result<Option<DiscountCode>, CheckoutError> {
        let mut conn = self.db.conn().await?;
        Ok(discounts::find(&mut conn, code).await?.map(from_row))
    }

    /// Whether the cart's owner holds as many uses of `code` as it allows each
    /// customer (a guest's cart: not yet known, checked at sign-in and checkout).
    pub(super) async fn used_by_owner(
        &self,
        cart: &Cart,
        code: &DiscountCode,
    ) -> Result<bool, CheckoutError> {
        let (Some(user), Some(max)) = (cart.user_id, code.max_uses_per_customer) else {
            return Ok(false);
        };
        let mut conn = self.db.conn().await?;
        Ok(discounts::uses_by(&mut conn, &code.code, user).await? >= i64::from(max))
    }

    /// Staff: a new code.
    pub async fn create_code(&self, code: &DiscountCode) -> Result<DiscountCode, CheckoutError> {
        let row = validate(code)?;
        let mut conn = self.db.conn().await?;
        discounts::insert(&mut conn, &row)
            .await
            .map_err(|e| match e {
                diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                ) => CheckoutError::CodeTaken(row.code.clone()),
                e => e.into(),
            })?;
        Ok(from_row(row))
    }

    /// Staff: every code, newest first.
    pub async fn codes(&self) -> Result<Vec<DiscountCode>, CheckoutError> {
        let mut conn = self.db.conn().await?;
        Ok(discounts::all(&mut conn)
            .await?
            .into_iter()
            .map(from_row)
            .collect())
    }
}

/// Gives back the discount use order `order_id` took, if it took one not given back yet
/// (a cancelled order's compensation); whether it did. In the caller's transaction.
pub async fn give_back_use(
    conn: &mut diesel_async::AsyncPgConnection,
    order_id: Uuid,
) -> Result<bool, CheckoutError> {
    Ok(discounts::release_use(conn, order_id).await?)
}

/// The row of a code staff asked for, or what is wrong with it.
fn validate(code: &DiscountCode) -> Result<DiscountRow, CheckoutError> {
    let bad = CheckoutError::bad_input;
    let (percent, amount, currency) = match &code.off {
        Off::Percent(bp) if (1..=10_000).contains(bp) => (Some(*bp), None, None),
        Off::Percent(_) => {
            return Err(bad(
                "percentOff",
                "percentOff must be 1 to 10000 basis points",
            ));
        }
        Off::Amount { minor, currency } if *minor > 0 => {
            let currency = currency.trim().to_ascii_uppercase();
            if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
                return Err(bad(
                    "amountOff.currency",
                    "currency must be an ISO 4217 code such as EUR",
                ));
            }
            (None, Some(*minor), Some(currency))
        }
        Off::Amount { .. } => return Err(bad("amountOff", "amountOff must be more than 0")),
    };
    if code.min_subtotal_minor < 0 {
        return Err(bad("minSubtotal", "minSubtotal must not be negative"));
    }
    if code.ends_at.is_some_and(|end| end <= code.starts_at) {
        return Err(bad("endsAt", "endsAt must be after startsAt"));
    }
    if code.max_uses.is_some_and(|n| n < 1) {
        return Err(bad("maxUses", "maxUses must be at least 1"));
    }
    if code.max_uses_per_customer.is_some_and(|n| n < 1) {
        return Err(bad(
            "maxUsesPerCustomer",
            "maxUsesPerCustomer must be at least 1",
        ));
    }
    Ok(DiscountRow {
        code: normalize_code(&code.code)?,
        percent_basis_points: percent,
        amount_minor: amount,
        currency,
        min_subtotal_minor: code.min_subtotal_minor,
        starts_at: code.starts_at,
        ends_at: code.ends_at,
        max_uses: code.max_uses,
        max_uses_per_customer: code.max_uses_per_customer,
        uses: 0,
    })
}

fn from_row(row: DiscountRow) -> DiscountCode {
    let off = match (row.percent_basis_points, row.amount_minor, row.currency) {
        (Some(bp), _, _) => Off::Percent(bp),
        (None, Some(minor), Some(currency)) => Off::Amount { minor, currency },
        // The table's check constraint allows nothing else.
        _ => Off::Percent(0),
    };
    DiscountCode {
        code: row.code,
        off,
        min_subtotal_minor: row.min_subtotal_minor,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        max_uses: row.max_uses,
        max_uses_per_customer: row.max_uses_per_customer,
        uses: row.uses,
    }
}
