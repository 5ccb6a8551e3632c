//! The payments service's events. The aggregate is the order paid for.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{MoneyPayload, domain_event};
use crate::topics::Topic;

/// The amount is held on the customer's card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentAuthorized {
    pub order_id: Uuid,
    pub payment_id: Uuid,
    pub amount: MoneyPayload,
}
domain_event!(PaymentAuthorized, "payment.authorized", v 1, Topic::Payments, |e| e.order_id);

/// The processor refused (or kept failing): nothing is held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentDeclined {
    pub order_id: Uuid,
    pub payment_id: Uuid,
    /// e.g. `card_declined`, `processor_unavailable`.
    pub reason: String,
}
domain_event!(PaymentDeclined, "payment.declined", v 1, Topic::Payments, |e| e.order_id);

/// The held amount was taken (when the order shipped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentCaptured {
    pub order_id: Uuid,
    pub payment_id: Uuid,
    pub amount: MoneyPayload,
}
domain_event!(PaymentCaptured, "payment.captured", v 1, Topic::Payments, |e| e.order_id);

/// The hold was lifted without taking money (the order was cancelled).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentVoided {
    pub order_id: Uuid,
    pub payment_id: Uuid,
}
domain_event!(PaymentVoided, "payment.voided", v 1, Topic::Payments, |e| e.order_id);

/// Money went back to the customer after capture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRefunded {
    pub order_id: Uuid,
    pub payment_id: Uuid,
    /// This refund.
    pub amount: MoneyPayload,
    /// Every refund of the payment so far, this one included.
    pub refunded_total: MoneyPayload,
}
domain_event!(PaymentRefunded, "payment.refunded", v 1, Topic::Payments, |e| e.order_id);
