//! What `checkoutComplete` answers.

use async_graphql::{Enum, ID, Object, SimpleObject};

use super::types::Cart;
use crate::domain::Completion;

/// An order, resolved by the orders subgraph.
#[derive(SimpleObject)]
#[graphql(unresolvable = "id")]
pub struct Order {
    pub id: ID,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum CheckoutOutcome {
    /// The order is placed and the saga under way (stock, then payment).
    Placed,
    /// Nothing was placed or charged: the cart's total is no longer `expectedTotal` (a
    /// price, a rate or the discount changed). `cart` shows the new figures; check out
    /// again with its total to accept them.
    PriceChanged,
}

/// How a checkout ended.
pub struct CheckoutResult(pub Completion);

#[Object]
impl CheckoutResult {
    async fn outcome(&self) -> CheckoutOutcome {
        match self.0 {
            Completion::Placed { .. } => CheckoutOutcome::Placed,
            Completion::PriceChanged { .. } => CheckoutOutcome::PriceChanged,
        }
    }

    /// The cart: ORDERED once placed; as it is priced now when the price changed.
    async fn cart(&self) -> Cart {
        match &self.0 {
            Completion::Placed { cart, .. } | Completion::PriceChanged { cart } => {
                Cart::new(cart.clone())
            }
        }
    }

    /// The order's id once placed: known at once, and the key to `order` and
    /// `orderStatusChanged`.
    async fn order_id(&self) -> Option<ID> {
        match &self.0 {
            Completion::Placed { order_id, .. } => Some(ID(order_id.to_string())),
            Completion::PriceChanged { .. } => None,
        }
    }

    /// The order once placed (orders makes it from the checkout within moments; the
    /// answer waits for it up to 5 s, so it is null only when orders is that slow).
    async fn order(&self) -> Option<Order> {
        match &self.0 {
            Completion::Placed { order_id, .. } => Some(Order {
                id: ID(order_id.to_string()),
            }),
            Completion::PriceChanged { .. } => None,
        }
    }
}
