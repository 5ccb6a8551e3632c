//! Reserving a whole round of placed orders at once, and selling a round's
//! paid ones, inside the consumer's transaction: two round trips for the
//! round instead of a few per order.
//!
//! The orders of a round are taken in turn, each held whole or not at all:
//! each is allocated against the stock levels as the orders before it in the
//! round left them (held in memory, under the rows' locks), so a round can
//! never hold more than there is. All writes then go out together.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use diesel_async::AsyncPgConnection;
use futures::{join, try_join};
use mart_events::catalog::Shortage;
use uuid::Uuid;

use super::{MAX_LINES, ReservationError, ReservationLine, ReservationStatus, ReserveError};
use crate::domain::allocation::{Allocation, allocate};
use crate::domain::{LedgerKind, StockLevel};
use crate::emit;
use crate::storage::reservations as table;
use crate::storage::rows::{NewLedgerRow, ReservationLineRow};
use crate::storage::stock;

/// One order to reserve: its lines, held for `ttl`. A `ttl` of zero or less
/// makes a reservation that is already due for expiry.
#[derive(Debug, Clone)]
pub struct ReserveRequest {
    pub order_id: Uuid,
    pub lines: Vec<ReservationLine>,
    pub ttl: TimeDelta,
}

/// What became of one [`ReserveRequest`].
#[derive(Debug, Clone, PartialEq)]
pub enum ReserveOutcome {
    /// Held now; `inventory.reserved` is in the outbox.
    Reserved,
    /// The order had a reservation already (a redelivery): nothing changed.
    AlreadyReserved,
    /// Not enough stock: nothing held.
    Insufficient(Vec<Shortage>),
    /// The order cannot be reserved at all (no lines, a quantity ≤ 0, …).
    Invalid(String),
}

/// Reserves each request in order, all or nothing per order; must run inside
/// the caller's transaction. One outcome per request, in the same order.
///
/// Idempotent per order: an order that has a reservation already (whatever its
/// status), or that an earlier request of the round reserved, is left as it is
/// ([`ReserveOutcome::AlreadyReserved`]). A refused order leaves no trace.
/// Fails with [`ReserveError::Raced`] (roll back and try again: the order is
/// then found reserved) if another transaction reserved one of these orders
/// meanwhile.
pub async fn reserve_batch(
    conn: &AsyncPgConnection,
    requests: &[ReserveRequest],
) -> Result<Vec<ReserveOutcome>, ReserveError> {
    let wanted: Vec<Result<BTreeMap<Uuid, i32>, String>> =
        requests.iter().map(|r| merge_lines(&r.lines)).collect();
    let order_ids: Vec<Uuid> = requests.iter().map(|r| r.order_id).collect();
    let mut product_ids: Vec<Uuid> = wanted
        .iter()
        .flatten()
        .flat_map(|w| w.keys().copied())
        .collect();
    product_ids.sort();
    product_ids.dedup();

    let (existing, levels) = try_join!(
        table::existing(conn, &order_ids),
        stock::lock_for_products(conn, &product_ids)
    )?;
    let mut levels: Vec<StockLevel> = levels.into_iter().map(StockLevel::from).collect();
    let mut reserved: HashSet<Uuid> = existing.into_iter().collect();

    let mut outcomes = Vec::with_capacity(requests.len());
    let mut claims: Vec<(Uuid, DateTime<Utc>)> = Vec::new();
    let mut line_rows = Vec::new();
    let mut ledger_rows = Vec::new();
    let mut holds: BTreeMap<(Uuid, Uuid), i32> = BTreeMap::new();
    let mut announced = Vec::new();
    for (request, wanted) in requests.iter().zip(&wanted) {
        let wanted = match wanted {
            Err(detail) => {
                outcomes.push(ReserveOutcome::Invalid(detail.clone()));
                continue;
            }
            Ok(wanted) => wanted,
        };
        if !reserved.insert(request.order_id) {
            outcomes.push(ReserveOutcome::AlreadyReserved);
            continue;
        }
        let plan = match allocate(wanted, &levels) {
            Ok(plan) => plan,
            Err(shortages) => {
                reserved.remove(&request.order_id);
                outcomes.push(ReserveOutcome::Insufficient(shortages));
                continue;
            }
        };
        for a in &plan {
            let level = levels
                .iter_mut()
                .find(|l| l.product_id == a.product_id && l.warehouse_id == a.warehouse_id)
                .expect("allocations come from these levels");
            level.reserved += a.quantity;
            *holds.entry((a.product_id, a.warehouse_id)).or_default() += a.quantity;
        }
        let (lines, ledger) = hold_rows(request.order_id, &plan);
        line_rows.extend(lines);
        ledger_rows.extend(ledger);
        let expires_at = Utc::now() + request.ttl;
        claims.push((request.order_id, expires_at));
        announced.push((request.order_id, wanted, expires_at));
        outcomes.push(ReserveOutcome::Reserved);
    }
    if claims.is_empty() {
        return Ok(outcomes);
    }

    // Pipelined statements run in the order sent: the claims first. One that
    // waited for a concurrent reserve of the same order and found it done
    // inserts nothing, and then everything here is rolled back. The statements
    // after it may fail because of it (that order's lines are there already),
    // so all are awaited and the claims looked at first.
    let stock_changes: Vec<stock::Change> = holds
        .iter()
        .map(|(&(product_id, warehouse_id), &quantity)| (product_id, warehouse_id, 0, quantity))
        .collect();
    let events: Vec<_> = announced
        .iter()
        .map(|(order_id, wanted, expires_at)| emit::stock_reserved(*order_id, wanted, *expires_at))
        .collect();
    let (claimed, held, inserted, recorded, announced) = join!(
        table::claim_many(conn, ReservationStatus::Active.as_str(), &claims),
        stock::apply_all(conn, &stock_changes),
        table::insert_lines(conn, &line_rows),
        crate::storage::ledger::append(conn, &ledger_rows),
        mart_events::outbox::enqueue_all(conn, &events),
    );
    let claimed = claimed?;
    if claimed.len() != claims.len() {
        let raced = claims
            .iter()
            .map(|(order_id, _)| *order_id)
            .find(|id| !claimed.contains(id))
            .unwrap_or_default();
        return Err(ReserveError::Raced(raced));
    }
    held?;
    inserted?;
    recorded?;
    announced?;
    Ok(outcomes)
}

/// What became of one order in [`commit_batch`].
#[derive(Debug)]
pub enum CommitOutcome {
    /// Sold now; `inventory.committed` is in the outbox.
    Committed,
    /// Sold before (a redelivery): nothing changed.
    AlreadyCommitted,
    /// Nothing to sell: no reservation, or it was released or expired.
    Refused(ReservationError),
}

/// Sells the stock held for each order: it leaves `on_hand`. Must run inside
/// the caller's transaction; two round trips for the lot, one outcome per
/// order, in the same order.
///
/// Idempotent per order: an order sold before, or sold earlier in the round,
/// changes nothing ([`CommitOutcome::AlreadyCommitted`]). An order with no
/// reservation, or whose reservation was released or expired, is refused
/// without changing anything.
pub async fn commit_batch(
    conn: &AsyncPgConnection,
    order_ids: &[Uuid],
) -> Result<Vec<CommitOutcome>, ReservationError> {
    let (rows, lines) = try_join!(
        table::lock_many(conn, order_ids),
        table::lines_of_many(conn, order_ids)
    )?;
    let mut status: HashMap<Uuid, ReservationStatus> = rows
        .iter()
        .map(|r| (r.order_id, ReservationStatus::from_column(&r.status)))
        .collect();
    let mut outcomes = Vec::with_capacity(order_ids.len());
    let mut sold = Vec::new();
    for &order_id in order_ids {
        let outcome = match status.get(&order_id) {
            None => CommitOutcome::Refused(ReservationError::NotFound(order_id)),
            Some(ReservationStatus::Committed) => CommitOutcome::AlreadyCommitted,
            Some(ReservationStatus::Active) => {
                sold.push(order_id);
                CommitOutcome::Committed
            }
            Some(&other) => CommitOutcome::Refused(ReservationError::NotActive {
                order_id,
                status: other,
            }),
        };
        if matches!(outcome, CommitOutcome::Committed) {
            status.insert(order_id, ReservationStatus::Committed);
        }
        outcomes.push(outcome);
    }
    if sold.is_empty() {
        return Ok(outcomes);
    }
    let selling: HashSet<Uuid> = sold.iter().copied().collect();
    let mut changes: BTreeMap<(Uuid, Uuid), i32> = BTreeMap::new();
    let mut ledger_rows = Vec::new();
    for line in lines.iter().filter(|l| selling.contains(&l.order_id)) {
        *changes
            .entry((line.product_id, line.warehouse_id))
            .or_default() += line.quantity;
        ledger_rows.push(NewLedgerRow {
            product_id: line.product_id,
            warehouse_id: line.warehouse_id,
            kind: LedgerKind::Sale.as_str(),
            on_hand_delta: -line.quantity,
            reserved_delta: -line.quantity,
            order_id: Some(line.order_id),
            reason: None,
        });
    }
    let mut product_ids: Vec<Uuid> = changes.keys().map(|(product, _)| *product).collect();
    product_ids.dedup();
    // Pipelined statements run in the order sent: the stock rows are locked
    // (in the fixed lock order) before any of them changes.
    let stock_changes: Vec<stock::Change> = changes
        .iter()
        .map(|(&(product_id, warehouse_id), &quantity)| {
            (product_id, warehouse_id, -quantity, -quantity)
        })
        .collect();
    let events: Vec<_> = sold.iter().map(|&o| emit::stock_committed(o)).collect();
    try_join!(
        stock::lock_for_products(conn, &product_ids),
        stock::apply_all(conn, &stock_changes),
        crate::storage::ledger::append(conn, &ledger_rows),
        table::close_many(conn, &sold, ReservationStatus::Committed.as_str()),
        mart_events::outbox::enqueue_all(conn, &events),
    )?;
    Ok(outcomes)
}

/// The reservation lines and ledger entries of holding `plan` for `order_id`.
fn hold_rows(order_id: Uuid, plan: &[Allocation]) -> (Vec<ReservationLineRow>, Vec<NewLedgerRow>) {
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

/// Quantities per product (repeated products add up), or why the lines cannot
/// be reserved.
fn merge_lines(lines: &[ReservationLine]) -> Result<BTreeMap<Uuid, i32>, String> {
    if lines.is_empty() {
        return Err("an order needs at least one line".into());
    }
    if lines.len() > MAX_LINES {
        return Err(format!("an order has at most {MAX_LINES} lines"));
    }
    let mut wanted = BTreeMap::new();
    for line in lines {
        if line.quantity <= 0 {
            return Err(format!(
                "quantity of product {} must be positive",
                line.product_id
            ));
        }
        let total: &mut i32 = wanted.entry(line.product_id).or_default();
        *total = total
            .checked_add(line.quantity)
            .ok_or_else(|| format!("quantity of product {} is too large", line.product_id))?;
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
        assert!(merge_lines(&[]).is_err());
        assert!(merge_lines(&[line(1, 0)]).is_err());
        assert!(merge_lines(&[line(1, i32::MAX), line(1, 1)]).is_err());
    }
}
