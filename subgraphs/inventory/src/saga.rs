//! Inventory's part of the order saga: hold the stock of a placed order (all
//! lines or none), give it back when the payment is declined or the order is
//! cancelled, and sell it once the payment is authorized.
//!
//! Runs inside the consumer's transaction, without savepoints (see
//! `domain/reservations/atomic.rs`), so the reaction and the record that the
//! event was handled commit together.

use chrono::{TimeDelta, Utc};
use diesel_async::AsyncPgConnection;
use futures::future::try_join_all;
use mart_events::catalog::{
    DomainEvent, OrderCancelled, OrderPlaced, PaymentAuthorized, PaymentDeclined,
};
use mart_events::consumer::{BatchFuture, HandlerFuture, Reactions, decode_run};
use mart_events::{EventEnvelope, HandlerError, Topic, Urgency};
use mart_service::DbError;
use uuid::Uuid;

use crate::domain::reservations::{
    CommitOutcome, ReservationError, ReservationLine, ReservationStatus, ReserveError,
    ReserveOutcome, ReserveRequest, commit_batch, release_reservation, reserve_batch,
};
use crate::domain::{Adjustment, InventoryError, adjust_stock};
use crate::emit;

/// Orders placed and cancelled, and payment outcomes. Selling or releasing the stock
/// paid for waits on nobody, but it stays with reserving in one consumer: the two
/// write the same few stock rows, and a second consumer selling a round of orders at
/// the background cadence held those rows' locks while reservations (on the way to
/// CONFIRMED) queued behind them (`bench/soak.sh` at 200/s: p99 to CONFIRMED 0.84 and
/// 2.5 s in two of three runs, against 0.56–0.66 s with one consumer).
pub const TOPICS: &[Topic] = &[Topic::Orders, Topic::Payments];

/// Stock is held this much longer than the order waits for payment, so the
/// orders service's timeout (which cancels and releases) acts first and a late
/// authorization never meets already-released stock.
const EXPIRY_GRACE: TimeDelta = TimeDelta::minutes(1);

/// The event types whose runs are applied together (see `react_to_run`).
const TOGETHER: &[&str] = &[OrderPlaced::TYPE, PaymentAuthorized::TYPE];

pub struct SagaHandler;

impl Reactions for SagaHandler {
    const HANDLED: &'static [&'static str] = &[
        OrderPlaced::TYPE,
        PaymentAuthorized::TYPE,
        PaymentDeclined::TYPE,
        OrderCancelled::TYPE,
    ];
    /// A customer waits for the order to be confirmed.
    const URGENCY: Urgency = Urgency::Interactive;

    fn run_of(event_type: &str) -> Option<usize> {
        TOGETHER.iter().position(|t| *t == event_type)
    }

    /// Runs of `order.placed` are reserved together ([`reserve_batch`]), runs
    /// of `payment.authorized` sold together ([`commit_batch`]).
    fn react_to_run<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        events: &'a [&'a EventEnvelope],
    ) -> BatchFuture<'a> {
        Box::pin(async move {
            match events[0].event_type.as_str() {
                OrderPlaced::TYPE => reserve_placed(conn, events).await,
                _ => sell_paid(conn, events).await,
            }
        })
    }

    /// The other events one by one, in their place. Whether one changed anything no longer
    /// matters here: the consumer wakes the outbox relay after the transaction commits.
    fn react<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        envelope: &'a EventEnvelope,
    ) -> HandlerFuture<'a> {
        Box::pin(async move {
            match envelope.event_type.as_str() {
                PaymentDeclined::TYPE => {
                    let e: PaymentDeclined = envelope.decode()?;
                    release(conn, e.order_id, "payment_declined").await?;
                }
                OrderCancelled::TYPE => {
                    let e: OrderCancelled = envelope.decode()?;
                    release(conn, e.order_id, "order_cancelled").await?;
                }
                _ => {}
            }
            Ok(())
        })
    }
}

fn database(e: diesel::result::Error) -> HandlerError {
    HandlerError::Transient(e.to_string())
}

/// The stock a placed order asks for, held until its payment is due (plus
/// [`EXPIRY_GRACE`]).
fn reserve_request(order: &OrderPlaced) -> ReserveRequest {
    ReserveRequest {
        order_id: order.order_id,
        lines: order
            .lines
            .iter()
            .map(|l| ReservationLine {
                product_id: l.product_id,
                quantity: l.quantity,
            })
            .collect(),
        ttl: (order.reservation_expires_at - Utc::now()) + EXPIRY_GRACE,
    }
}

/// A run of `order.placed` events, reserved together; refusals are announced
/// as `inventory.rejected` (pipelined). On failure, the position of the event
/// at fault in `events` (the first, when the whole run failed).
async fn reserve_placed(
    conn: &mut AsyncPgConnection,
    events: &[&EventEnvelope],
) -> Result<(), (usize, HandlerError)> {
    let orders: Vec<OrderPlaced> = decode_run(events)?;
    let requests: Vec<ReserveRequest> = orders.iter().map(reserve_request).collect();
    let outcomes = match reserve_batch(conn, &requests).await {
        Ok(outcomes) => outcomes,
        Err(ReserveError::Invalid(detail)) => return Err((0, HandlerError::Permanent(detail))),
        Err(e) => return Err((0, HandlerError::Transient(e.to_string()))),
    };
    let conn: &AsyncPgConnection = conn;
    let rejections = requests
        .iter()
        .zip(outcomes)
        .filter_map(|(request, outcome)| {
            let (reason, shortages) = match outcome {
                ReserveOutcome::Insufficient(shortages) => ("out_of_stock", shortages),
                ReserveOutcome::Invalid(detail) => {
                    tracing::error!(order_id = %request.order_id, detail, "order cannot be reserved");
                    ("invalid_order", Vec::new())
                }
                ReserveOutcome::Reserved | ReserveOutcome::AlreadyReserved => return None,
            };
            Some((request.order_id, reason, shortages))
        })
        .collect::<Vec<_>>();
    try_join_all(rejections.into_iter().map(|(order_id, reason, shortages)| {
        emit::stock_rejected(conn, order_id, reason, shortages)
    }))
    .await
    .map_err(|e| (0, e.into()))?;
    Ok(())
}

/// A run of `payment.authorized` events: their stock sold together.
async fn sell_paid(
    conn: &mut AsyncPgConnection,
    events: &[&EventEnvelope],
) -> Result<(), (usize, HandlerError)> {
    let paid: Vec<PaymentAuthorized> = decode_run(events)?;
    let order_ids: Vec<Uuid> = paid.iter().map(|p| p.order_id).collect();
    let outcomes = commit_batch(conn, &order_ids)
        .await
        .map_err(|e| (0, HandlerError::Transient(e.to_string())))?;
    for (order_id, outcome) in order_ids.iter().zip(outcomes) {
        if let CommitOutcome::Refused(error) = outcome {
            // Released or expired before the payment came: the order was (or is
            // being) cancelled, and payments voids the authorization.
            tracing::error!(%order_id, %error, "authorized order has no stock to sell");
        }
    }
    Ok(())
}

async fn release(
    conn: &mut AsyncPgConnection,
    order_id: Uuid,
    reason: &str,
) -> Result<bool, HandlerError> {
    match release_reservation(conn, order_id, reason).await {
        Ok(_) => Ok(true),
        // Rejected orders hold nothing.
        Err(ReservationError::NotFound(_)) => Ok(false),
        Err(ReservationError::NotActive {
            status: ReservationStatus::Committed,
            ..
        }) => restock(conn, order_id, reason).await,
        Err(ReservationError::Database(e)) => Err(database(e)),
        Err(e) => {
            tracing::warn!(%order_id, error = %e, "nothing to release");
            Ok(false)
        }
    }
}

/// A sold order cancelled before it shipped: its units go back on the shelf of
/// the warehouse they were taken from, as ledger adjustments.
async fn restock(
    conn: &mut AsyncPgConnection,
    order_id: Uuid,
    reason: &str,
) -> Result<bool, HandlerError> {
    let reservation = crate::domain::reservations::find_reservation(conn, order_id)
        .await
        .map_err(database)?
        .ok_or_else(|| HandlerError::Transient(format!("reservation {order_id} vanished")))?;
    for line in &reservation.lines {
        let adjustment = Adjustment {
            product_id: line.product_id,
            warehouse_id: line.warehouse_id,
            delta: line.quantity,
            reason: format!("order {order_id} cancelled before shipping"),
        };
        match adjust_stock(conn, &adjustment).await {
            Ok(_) => {}
            Err(InventoryError::Storage(DbError::Query(e))) => return Err(database(e)),
            Err(e) => return Err(HandlerError::Permanent(e.to_string())),
        }
    }
    emit::stock_released(conn, order_id, reason).await?;
    Ok(true)
}
