//! A payment as the use cases hand it out.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::PaymentStatus;
use crate::storage::{PaymentEventRow, PaymentRow};

#[derive(Debug, Clone)]
pub struct Payment {
    pub id: Uuid,
    pub order_id: Uuid,
    /// The customer who placed the order: only they (and staff) may see it.
    pub user_id: Option<Uuid>,
    /// The order's total, fixed at placement; `None` until `order.placed` is heard.
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub refunded_minor: i64,
    pub status: PaymentStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<PaymentRow> for Payment {
    fn from(row: PaymentRow) -> Self {
        Self {
            id: row.id,
            order_id: row.order_id,
            user_id: row.user_id,
            amount_minor: row.amount_minor,
            currency: row.currency,
            refunded_minor: row.refunded_minor,
            status: PaymentStatus::stored(&row.status),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// One thing that happened to a payment.
#[derive(Debug, Clone)]
pub struct PaymentEntry {
    /// authorized, declined, captured, voided, refunded, abandoned, …
    pub kind: String,
    pub amount_minor: Option<i64>,
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<PaymentEventRow> for PaymentEntry {
    fn from(row: PaymentEventRow) -> Self {
        Self {
            kind: row.kind,
            amount_minor: row.amount_minor,
            detail: row.detail,
            at: row.at,
        }
    }
}
