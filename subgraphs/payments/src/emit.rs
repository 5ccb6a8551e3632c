//! The events payments emits, written to the outbox in the change's own
//! transaction.

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use mart_events::catalog::{
    MoneyPayload, PaymentAuthorized, PaymentCaptured, PaymentDeclined, PaymentRefunded,
    PaymentVoided,
};
use mart_events::outbox::entry;
use mart_events::{EventEnvelope, enqueue};

use crate::storage::PaymentRow;

/// `payment.authorized`, for [`mart_events::outbox::enqueue_all`] with the round's others.
pub fn authorized(row: &PaymentRow, amount: MoneyPayload) -> (&'static str, EventEnvelope) {
    entry(&PaymentAuthorized {
        order_id: row.order_id,
        payment_id: row.id,
        amount,
    })
}

/// `payment.declined`, for [`mart_events::outbox::enqueue_all`] with the round's others.
pub fn declined(row: &PaymentRow, reason: &str) -> (&'static str, EventEnvelope) {
    entry(&PaymentDeclined {
        order_id: row.order_id,
        payment_id: row.id,
        reason: reason.to_string(),
    })
}

pub async fn voided(conn: &AsyncPgConnection, row: &PaymentRow) -> QueryResult<()> {
    let event = PaymentVoided {
        order_id: row.order_id,
        payment_id: row.id,
    };
    enqueue(conn, &event).await.map(drop)
}

pub async fn captured(
    conn: &AsyncPgConnection,
    row: &PaymentRow,
    amount: MoneyPayload,
) -> QueryResult<()> {
    let event = PaymentCaptured {
        order_id: row.order_id,
        payment_id: row.id,
        amount,
    };
    enqueue(conn, &event).await.map(drop)
}

/// `refunded` is this refund; `refunded_total` all refunds so far.
pub async fn refunded(
    conn: &AsyncPgConnection,
    row: &PaymentRow,
    amount: MoneyPayload,
    refunded_total: MoneyPayload,
) -> QueryResult<()> {
    let event = PaymentRefunded {
        order_id: row.order_id,
        payment_id: row.id,
        amount,
        refunded_total,
    };
    enqueue(conn, &event).await.map(drop)
}
