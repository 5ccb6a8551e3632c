//! The checkout service's events.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AddressPayload, MoneyPayload, domain_event};
use crate::topics::Topic;

/// One line of a checked-out cart, as the customer was shown it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutLinePayload {
    pub product_id: Uuid,
    pub quantity: i32,
    pub unit_price: MoneyPayload,
    /// Of one item.
    pub weight_grams: i32,
    /// The line's share of the cart's discount.
    pub discount: MoneyPayload,
    /// Tax on the line less its discount.
    pub tax: MoneyPayload,
}

/// A customer checked a cart out: its lines, discount, tax and shipping are fixed, a
/// discount use (if any) is taken, and orders turns it into the order `order_id`
/// (placed, so the saga starts). Written in the transaction that takes the use, so an
/// order is made for every use taken and none for a checkout that failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutCompleted {
    /// Chosen by checkout (UUIDv7): the customer is told it before orders has the order.
    pub order_id: Uuid,
    pub cart_id: Uuid,
    pub user_id: Uuid,
    pub lines: Vec<CheckoutLinePayload>,
    pub subtotal: MoneyPayload,
    pub discount: MoneyPayload,
    /// The code whose use was taken, if any.
    pub discount_code: Option<String>,
    pub tax: MoneyPayload,
    pub shipping_cost: MoneyPayload,
    /// Subtotal − discount + tax + shipping: what the customer is charged.
    pub total: MoneyPayload,
    pub total_weight_grams: i64,
    pub shipping_address: AddressPayload,
    /// Sealed for payments (`mart_service::payment_token`), as in `order.placed`.
    pub payment_token: String,
    pub completed_at: DateTime<Utc>,
}
domain_event!(CheckoutCompleted, "checkout.completed", v 1, Topic::Checkout, |e| e.order_id);
