//! Reserving a whole round of placed orders at once, and selling a round's
//! paid ones, inside the consumer's transaction: two round trips for the
//! round instead of a few per order.
//!
//! The orders are taken in turn, exactly as [`reserve_stock`] would one after
//! another: each is allocated against the stock levels as the orders before it
//! in the round left them (held in memory, under the rows' locks), so a round
//! can never hold more than there is. All writes then go out together.
//!
//! [`reserve_stock`]: super::reserve_stock

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use diesel_async::AsyncPgConnection;
use futures::future::try_join_all;
use futures::try_join;
use mart_events::catalog::Shortage;
use uuid::Uuid;

use super::reserve::{hold_rows, merge_lines};
use super::{ReservationError, ReservationLine, ReservationStatus, ReserveError};
use crate::domain::allocation::allocate;
use crate::emit;
use crate::storage::ledger::LedgerKind;
use crate::storage::reservations as table;
use crate::storage::rows::NewLedgerRow;
use crate::storage::stock;

/// One order to reserve: its lines, held for `ttl`.
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
/// the caller's transaction. Fails with [`ReserveError::Raced`] (roll back and
/// try again) if another transaction reserved one of these orders meanwhile.
pub async fn reserve_batch(
    conn: &AsyncPgConnection,
    requests: &[ReserveRequest],
) -> Result<Vec<ReserveOutcome>, ReserveError> {
    let wanted: Vec<Result<BTreeMap<Uuid, i32>, String>> = requests
        .iter()
        .map(|r| match merge_lines(&r.lines) {
            Ok(wanted) => Ok(wanted),
            Err(ReserveError::Invalid(detail)) => Err(detail),
            Err(other) => Err(other.to_string()),
        })
        .collect();
    let order_ids: Vec<Uuid> = requests.iter().map(|r| r.order_id).collect();
    let mut product_ids: Vec<Uuid> = wanted
        .iter()
        .flatten()
        .flat_map(|w| w.keys().copied())
        .collect();
    product_ids.sort();
    product_ids.dedup();

    let (existing, mut levels) = try_join!(
        table::existing(conn, &order_ids),
        stock::lock_for_products(conn, &product_ids)
    )?;
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
    // inserts nothing, and then everything here is rolled back.
    let stock_changes = holds
        .iter()
        .map(|(&(product_id, warehouse_id), &quantity)| {
            stock::apply(conn, product_id, warehouse_id, 0, quantity)
        });
    let events = announced.iter().map(|(order_id, wanted, expires_at)| {
        emit::stock_reserved(conn, *order_id, wanted, *expires_at)
    });
    let (claimed, _, (), (), _) = try_join!(
        table::claim_many(conn, ReservationStatus::Active.as_str(), &claims),
        try_join_all(stock_changes),
        table::insert_lines(conn, &line_rows),
        crate::storage::ledger::append(conn, &ledger_rows),
        try_join_all(events),
    )?;
    if claimed.len() != claims.len() {
        let raced = claims
            .iter()
            .map(|(order_id, _)| *order_id)
            .find(|id| !claimed.contains(id))
            .unwrap_or_default();
        return Err(ReserveError::Raced(raced));
    }
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

/// Sells the stock held for each order, as [`commit_reservation`] would one
/// after another inside the caller's transaction, in two round trips for the
/// lot; must run inside a transaction (the caller's).
///
/// [`commit_reservation`]: super::commit_reservation
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
    let stock_changes = changes
        .iter()
        .map(|(&(product_id, warehouse_id), &quantity)| {
            stock::apply(conn, product_id, warehouse_id, -quantity, -quantity)
        });
    let events = sold
        .iter()
        .map(|&order_id| emit::stock_committed(conn, order_id));
    try_join!(
        stock::lock_for_products(conn, &product_ids),
        try_join_all(stock_changes),
        crate::storage::ledger::append(conn, &ledger_rows),
        table::close_many(conn, &sold, ReservationStatus::Committed.as_str()),
        try_join_all(events),
    )?;
    Ok(outcomes)
}
