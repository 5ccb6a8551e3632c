use std::collections::BTreeMap;

use chrono::{TimeDelta, Utc};
use diesel_async::AsyncPgConnection;
use futures::future::try_join_all;
use futures::try_join;
use uuid::Uuid;

use super::atomic::atomically;
use super::{
    MAX_LINES, Reservation, ReservationLine, ReservationStatus, ReserveError, find_reservation,
};
use crate::domain::allocation::{Allocation, allocate};
use crate::emit;
use crate::storage::ledger::{self, LedgerKind};
use crate::storage::reservations as table;
use crate::storage::rows::{NewLedgerRow, ReservationLineRow};
use crate::storage::stock;

/// Holds every line of `order_id` for `ttl`, or nothing.
///
/// Idempotent per order: if the order already has a reservation (whatever its
/// status), that one is returned and nothing more is held; a concurrent call for
/// the same order waits for the first one and then returns its result. A `ttl`
/// of zero or less makes a reservation that is already due for expiry.
///
/// Nothing is written before the stock is known to suffice, so a refusal leaves
/// no trace (see [`atomically`]).
pub async fn reserve_stock(
    conn: &mut AsyncPgConnection,
    order_id: Uuid,
    lines: &[ReservationLine],
    ttl: TimeDelta,
) -> Result<Reservation, ReserveError> {
    let wanted = merge_lines(lines)?;
    let product_ids: Vec<Uuid> = wanted.keys().copied().collect();
    atomically(conn, async |c| {
        // Shared from here on: statements that do not depend on each other's
        // results go out together (pipelined), one round trip for the lot.
        let c: &AsyncPgConnection = c;
        let (existing, levels) = try_join!(
            table::find(c, order_id),
            stock::lock_for_products(c, &product_ids)
        )?;
        if let Some(row) = existing {
            return Ok(Reservation::from_rows(
                row,
                table::lines(c, order_id).await?,
            ));
        }
        let plan = match allocate(&wanted, &levels) {
            Ok(plan) => plan,
            Err(shortages) => {
                // A concurrent reserve of this very order may have taken the
                // stock while this one waited for the rows: then it is ours.
                if let Some(existing) = find_reservation(c, order_id).await? {
                    return Ok(existing);
                }
                return Err(ReserveError::Insufficient(shortages));
            }
        };
        let expires_at = Utc::now() + ttl;
        // A concurrent reserve of this order that got here first made this one
        // wait for its end (on the stock rows or on this insert).
        let claimed =
            table::claim(c, order_id, ReservationStatus::Active.as_str(), expires_at).await?;
        let Some(row) = claimed else {
            return find_reservation(c, order_id)
                .await?
                .ok_or(ReserveError::Database(diesel::result::Error::NotFound));
        };

        let (mut line_rows, ledger_rows) = hold_rows(order_id, &plan);
        // The rows are locked already (above), so these may run in any order.
        let holds = plan
            .iter()
            .map(|a| stock::apply(c, a.product_id, a.warehouse_id, 0, a.quantity));
        try_join!(
            try_join_all(holds),
            table::insert_lines(c, &line_rows),
            ledger::append(c, &ledger_rows),
            emit::stock_reserved(c, order_id, &wanted, expires_at),
        )?;
        line_rows.sort_by_key(|l| (l.product_id, l.warehouse_id));
        Ok(Reservation::from_rows(row, line_rows))
    })
    .await
}

/// The reservation lines and ledger entries of holding `plan` for `order_id`.
pub(super) fn hold_rows(
    order_id: Uuid,
    plan: &[Allocation],
) -> (Vec<ReservationLineRow>, Vec<NewLedgerRow>) {
    plan.iter()
        .map(|a| {
            let line = ReservationLineRow {
                order_id,
                product_id: a.product_id,
                warehouse_id: a.warehouse_id,
                quantity: a.quantity,
            };
            let entry = NewLedgerRow {
                product_id: a.product_id,
                warehouse_id: a.warehouse_id,
                kind: LedgerKind::Reservation.as_str(),
                on_hand_delta: 0,
                reserved_delta: a.quantity,
                order_id: Some(order_id),
                reason: None,
            };
            (line, entry)
        })
        .unzip()
}

/// Quantities per product (repeated products add up), validated.
pub(super) fn merge_lines(lines: &[ReservationLine]) -> Result<BTreeMap<Uuid, i32>, ReserveError> {
    if lines.is_empty() {
        return Err(ReserveError::Invalid(
            "an order needs at least one line".into(),
        ));
    }
    if lines.len() > MAX_LINES {
        return Err(ReserveError::Invalid(format!(
            "an order has at most {MAX_LINES} lines"
        )));
    }
    let mut wanted = BTreeMap::new();
    for line in lines {
        if line.quantity <= 0 {
            return Err(ReserveError::Invalid(format!(
                "quantity of product {} must be positive",
                line.product_id
            )));
        }
        let total: &mut i32 = wanted.entry(line.product_id).or_default();
        *total = total.checked_add(line.quantity).ok_or_else(|| {
            ReserveError::Invalid(format!(
                "quantity of product {} is too large",
                line.product_id
            ))
        })?;
    }
    Ok(wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(product: u128, quantity: i32) -> ReservationLine {
        ReservationLine {
            product_id: Uuid::from_u128(product),
            quantity,
        }
    }

    #[test]
    fn repeated_products_add_up() {
        let merged = merge_lines(&[line(1, 2), line(2, 1), line(1, 3)]).unwrap();
        assert_eq!(merged.get(&Uuid::from_u128(1)), Some(&5));
        assert_eq!(merged.len(), 2);
    }

    #[test]
    fn empty_or_non_positive_lines_are_invalid() {
        assert!(matches!(merge_lines(&[]), Err(ReserveError::Invalid(_))));
        assert!(matches!(
            merge_lines(&[line(1, 0)]),
            Err(ReserveError::Invalid(_))
        ));
        assert!(matches!(
            merge_lines(&[line(1, i32::MAX), line(1, 1)]),
            Err(ReserveError::Invalid(_))
        ));
    }
}
