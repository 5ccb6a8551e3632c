//! A cart and the rules on its lines: plain values, every refusal unit-tested.

use chrono::{DateTime, Utc};
use mart_events::catalog::AddressPayload;
use uuid::Uuid;

use super::CheckoutError;

/// The most lines a cart holds: as many as an order may have.
pub const MAX_LINES: usize = 50;
/// The most of one product a line holds: as many as an order line may have.
pub const MAX_QUANTITY: i32 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CartStatus {
    Active,
    /// Adopted into a customer's cart at sign-in; nobody sees it any more.
    Merged,
    /// Checked out: an order was made from it; it changes no more.
    Ordered,
}

impl CartStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Merged => "MERGED",
            Self::Ordered => "ORDERED",
        }
    }

    pub fn from_column(text: &str) -> Self {
        match text {
            "MERGED" => Self::Merged,
            "ORDERED" => Self::Ordered,
            _ => Self::Active,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartLine {
    pub product_id: Uuid,
    pub quantity: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cart {
    /// For a guest's cart, the only key to it: random (UUIDv4), never listed.
    pub id: Uuid,
    /// The customer whose cart it is; `None` for a guest's.
    pub user_id: Option<Uuid>,
    pub status: CartStatus,
    /// Oldest first.
    pub lines: Vec<CartLine>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Where it goes, once the customer said: it sets the shipping cost and the tax.
    pub shipping_address: Option<AddressPayload>,
    /// The discount code applied (checked again whenever the cart is priced).
    pub discount_code: Option<String>,
    /// Once checked out: the order made from it and the checkout's idempotency key.
    pub checkout: Option<(Uuid, String)>,
}

impl Cart {
    /// Whether `caller` (`None`: a guest) may see and change this cart at `now`: a
    /// guest's cart anyone holding its id, a customer's only that customer; an expired
    /// or merged one nobody.
    pub fn visible_to(&self, caller: Option<Uuid>, now: DateTime<Utc>) -> bool {
        self.status == CartStatus::Active
            && self.expires_at > now
            && self.user_id.is_none_or(|owner| Some(owner) == caller)
    }

    pub fn quantity_of(&self, product_id: Uuid) -> i32 {
        self.lines
            .iter()
            .find(|l| l.product_id == product_id)
            .map_or(0, |l| l.quantity)
    }

    /// The quantity of `product_id` after adding `quantity` of it; refused beyond the
    /// bounds of a line or of the cart.
    pub fn after_adding(&self, product_id: Uuid, quantity: i32) -> Result<i32, CheckoutError> {
        check_quantity("quantity", quantity, 1)?;
        let current = self.quantity_of(product_id);
        if current == 0 && self.lines.len() >= MAX_LINES {
            return Err(CheckoutError::bad_input(
                "productId",
                format!("a cart holds at most {MAX_LINES} products"),
            ));
        }
        let total = current + quantity;
        if total > MAX_QUANTITY {
            return Err(CheckoutError::bad_input(
                "quantity",
                format!("a cart holds at most {MAX_QUANTITY} of one product ({current} already)"),
            ));
        }
        Ok(total)
    }

    /// The lines of this cart with `other`'s added: quantities of the same product
    /// summed up to [`MAX_QUANTITY`], products beyond [`MAX_LINES`] left out (a merge
    /// at sign-in must not fail).
    pub fn merged_lines(&self, other: &[CartLine]) -> Vec<CartLine> {
        let mut lines = self.lines.clone();
        for line in other {
            match lines.iter().position(|l| l.product_id == line.product_id) {
                Some(i) => {
                    lines[i].quantity = (lines[i].quantity + line.quantity).min(MAX_QUANTITY)
                }
                None if lines.len() < MAX_LINES => lines.push(line.clone()),
                None => {}
            }
        }
        lines
    }
}

/// `quantity` within `min..=MAX_QUANTITY` (0 is allowed where it means "remove").
pub fn check_quantity(field: &'static str, quantity: i32, min: i32) -> Result<(), CheckoutError> {
    if (min..=MAX_QUANTITY).contains(&quantity) {
        return Ok(());
    }
    Err(CheckoutError::bad_input(
        field,
        format!("{field} must be between {min} and {MAX_QUANTITY}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cart(user: Option<Uuid>, lines: &[(u128, i32)]) -> Cart {
        let now = Utc::now();
        Cart {
            id: Uuid::new_v4(),
            user_id: user,
            status: CartStatus::Active,
            lines: lines
                .iter()
                .map(|&(p, q)| CartLine {
                    product_id: Uuid::from_u128(p),
                    quantity: q,
                })
                .collect(),
            created_at: now,
            updated_at: now,
            expires_at: now + chrono::Duration::days(1),
            shipping_address: None,
            discount_code: None,
            checkout: None,
        }
    }

    #[test]
    fn a_guest_cart_is_anyones_with_the_id_a_customer_cart_only_its_owners() {
        let now = Utc::now();
        let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let guest = cart(None, &[]);
        assert!(guest.visible_to(None, now) && guest.visible_to(Some(bob), now));
        let alices = cart(Some(alice), &[]);
        assert!(alices.visible_to(Some(alice), now));
        assert!(!alices.visible_to(Some(bob), now) && !alices.visible_to(None, now));
        let mut merged = guest.clone();
        merged.status = CartStatus::Merged;
        assert!(!merged.visible_to(None, now));
        assert!(!guest.visible_to(None, guest.expires_at));
    }

    #[test]
    fn adding_stays_within_a_line_and_a_cart() {
        let c = cart(None, &[(1, 98)]);
        assert_eq!(c.after_adding(Uuid::from_u128(1), 2).unwrap(), 100);
        assert!(c.after_adding(Uuid::from_u128(1), 3).is_err());
        assert!(c.after_adding(Uuid::from_u128(2), 0).is_err());
        assert!(c.after_adding(Uuid::from_u128(2), 101).is_err());
        let full: Vec<(u128, i32)> = (0..MAX_LINES as u128).map(|p| (p, 1)).collect();
        let full = cart(None, &full);
        assert!(full.after_adding(Uuid::from_u128(999), 1).is_err());
        assert_eq!(full.after_adding(Uuid::from_u128(0), 1).unwrap(), 2);
    }

    #[test]
    fn merging_sums_quantities_within_the_bounds() {
        let mine = cart(None, &[(1, 60), (2, 1)]);
        let theirs = [
            CartLine {
                product_id: Uuid::from_u128(1),
                quantity: 70,
            },
            CartLine {
                product_id: Uuid::from_u128(3),
                quantity: 2,
            },
        ];
        let merged = mine.merged_lines(&theirs);
        let quantities: Vec<(u128, i32)> = merged
            .iter()
            .map(|l| (l.product_id.as_u128(), l.quantity))
            .collect();
        assert_eq!(quantities, [(1, 100), (2, 1), (3, 2)]);
    }
}
