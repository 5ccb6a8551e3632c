use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use futures::try_join;
use uuid::Uuid;

use super::atomic::atomically;
use super::{Reservation, ReservationError, ReservationStatus};
use crate::domain::LedgerKind;
use crate::emit;
use crate::storage::reservations as table;
use crate::storage::rows::NewLedgerRow;
use crate::storage::{ledger, stock};

/// Reservations expired per round trip of [`expire_reservations`].
const EXPIRY_BATCH: i64 = 100;

/// The reason `StockReleased` carries for expired reservations.
pub const EXPIRED_REASON: &str = "expired";

/// How [`close`] ends a reservation: either way its stock is given back.
#[derive(Debug, Clone, Copy)]
enum Closing<'a> {
    Release { reason: &'a str },
    Expire { now: DateTime<Utc> },
}

impl<'a> Closing<'a> {
    fn status(self) -> ReservationStatus {
        match self {
            Self::Release { .. } => ReservationStatus::Released,
            Self::Expire { .. } => ReservationStatus::Expired,
        }
    }

    /// Why the stock is given back: in the ledger and in `inventory.released`.
    fn reason(self) -> &'a str {
        match self {
            Self::Release { reason } => reason,
            Self::Expire { .. } => EXPIRED_REASON,
        }
    }
}

/// Gives the held stock back. `reason` travels in the `inventory.released`
/// event (`payment_declined`, `order_cancelled`, …). Releasing a reservation
/// that was already released or expired returns it unchanged; one that was
/// committed is an error.
pub async fn release_reservation(
    conn: &mut AsyncPgConnection,
    order_id: Uuid,
    reason: &str,
) -> Result<Reservation, ReservationError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ReservationError::Invalid("a release needs a reason".into()));
    }
    Ok(close(conn, order_id, Closing::Release { reason }).await?.0)
}

/// Releases every active reservation whose expiry is at or before `now`;
/// returns the orders it expired. Safe to run from several places at once.
pub async fn expire_reservations(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, ReservationError> {
    let mut expired = Vec::new();
    loop {
        let due = table::due(conn, ReservationStatus::Active.as_str(), now, EXPIRY_BATCH).await?;
        for &order_id in &due {
            let (_, changed) = close(conn, order_id, Closing::Expire { now }).await?;
            if changed {
                expired.push(order_id);
            }
        }
        if (due.len() as i64) < EXPIRY_BATCH {
            return Ok(expired);
        }
    }
}

/// Moves an active reservation to its final status, giving its stock back;
/// `true` when this call did it. Every refusal comes before the first write.
async fn close(
    conn: &mut AsyncPgConnection,
    order_id: Uuid,
    closing: Closing<'_>,
) -> Result<(Reservation, bool), ReservationError> {
    atomically(conn, async |c| {
        // Shared from here on: statements that do not depend on each other's
        // results go out together (pipelined), one round trip for the lot.
        let c: &AsyncPgConnection = c;
        let (row, lines) = try_join!(table::lock(c, order_id), table::lines(c, order_id))?;
        let row = row.ok_or(ReservationError::NotFound(order_id))?;
        let status = ReservationStatus::from_column(&row.status);
        if status != ReservationStatus::Active {
            let settled = match closing {
                Closing::Release { .. } => matches!(
                    status,
                    ReservationStatus::Released | ReservationStatus::Expired
                ),
                Closing::Expire { .. } => true,
            };
            return if settled {
                Ok((Reservation::from_rows(row, lines), false))
            } else {
                Err(ReservationError::NotActive { order_id, status })
            };
        }
        if let Closing::Expire { now } = closing
            && row.expires_at > now
        {
            return Ok((Reservation::from_rows(row, lines), false));
        }

        let mut product_ids: Vec<Uuid> = lines.iter().map(|l| l.product_id).collect();
        product_ids.dedup();
        let ledger_rows: Vec<NewLedgerRow> = lines
            .iter()
            .map(|line| NewLedgerRow {
                product_id: line.product_id,
                warehouse_id: line.warehouse_id,
                kind: LedgerKind::Release.as_str(),
                on_hand_delta: 0,
                reserved_delta: -line.quantity,
                order_id: Some(order_id),
                reason: Some(closing.reason().to_string()),
            })
            .collect();
        // Pipelined statements run in the order sent: the stock rows are locked
        // (in the fixed lock order) before any of them changes.
        let mut returns: BTreeMap<(Uuid, Uuid), i32> = BTreeMap::new();
        for line in &lines {
            *returns
                .entry((line.product_id, line.warehouse_id))
                .or_default() -= line.quantity;
        }
        let returns: Vec<stock::Change> = returns
            .into_iter()
            .map(|((product_id, warehouse_id), quantity)| (product_id, warehouse_id, 0, quantity))
            .collect();
        let (_, _, _, row, _) = try_join!(
            stock::lock_for_products(c, &product_ids),
            stock::apply_all(c, &returns),
            ledger::append(c, &ledger_rows),
            table::close(c, order_id, closing.status().as_str()),
            emit::stock_released(c, order_id, closing.reason()),
        )?;
        Ok((Reservation::from_rows(row, lines), true))
    })
    .await
}
