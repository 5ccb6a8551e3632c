//! The orders service's events. Every saga event's aggregate is the order.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{MoneyPayload, domain_event};
use crate::topics::Topic;

/// Where an order goes; the same fields as the users service's `Address`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressPayload {
    /// Who the parcel is for.
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, e.g. `DE`.
    pub country: String,
}

/// One line as priced at placement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLinePayload {
    pub product_id: Uuid,
    pub quantity: i32,
    pub unit_price: MoneyPayload,
}

/// A new order, priced and waiting for stock: inventory reserves, payments keeps
/// the amount and token until the stock is held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderPlaced {
    pub order_id: Uuid,
    pub user_id: Uuid,
    pub number: String,
    pub lines: Vec<OrderLinePayload>,
    pub subtotal: MoneyPayload,
    pub shipping_cost: MoneyPayload,
    /// Taken off the subtotal by a discount code (orders from a checked-out cart);
    /// absent when none was, and from producers that predate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<MoneyPayload>,
    /// Tax on the lines less their discount; absent when the order has none recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<MoneyPayload>,
    /// Subtotal − discount + tax + shipping: what payments charges.
    pub total: MoneyPayload,
    pub total_weight_grams: i64,
    pub shipping_address: AddressPayload,
    /// The card processor's token (never card data).
    pub payment_token: String,
    /// Stock is held at most until then; the order is cancelled if still pending.
    pub reservation_expires_at: DateTime<Utc>,
}
domain_event!(OrderPlaced, "order.placed", v 1, Topic::Orders, |e| e.order_id);

/// Stock held and payment authorized: shipping prepares a shipment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderConfirmed {
    pub order_id: Uuid,
    pub user_id: Uuid,
    pub shipping_address: AddressPayload,
    pub total_weight_grams: i64,
}
domain_event!(OrderConfirmed, "order.confirmed", v 1, Topic::Orders, |e| e.order_id);

/// The order will not be fulfilled: inventory releases the stock, payments voids
/// the authorization, shipping cancels a shipment not yet shipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderCancelled {
    pub order_id: Uuid,
    /// `customer_cancelled`, `out_of_stock`, `payment_declined` or `reservation_expired`.
    pub reason: String,
    /// The status the order had before (e.g. `CONFIRMED`).
    pub previous_status: String,
}
domain_event!(OrderCancelled, "order.cancelled", v 1, Topic::Orders, |e| e.order_id);

/// Every status change of an order, for live updates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderStatusChanged {
    pub order_id: Uuid,
    pub user_id: Uuid,
    /// `None` for the first status (`PENDING`).
    pub from: Option<String>,
    pub to: String,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}
domain_event!(OrderStatusChanged, "order.status_changed", v 1, Topic::OrderStatus, |e| e.order_id);
