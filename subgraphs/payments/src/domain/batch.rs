//! What payments learns from the saga about orders (placed, stock held),
//! recorded for a whole run of events in one statement; an order it makes
//! ready is authorized, and the processor's answers for the run are written
//! in three statements (statuses, log, events), not three per order.

use std::collections::{BTreeMap, HashMap};

use diesel_async::AsyncPgConnection;
use mart_events::HandlerError;
use mart_events::catalog::OrderPlaced;
use uuid::Uuid;

use super::PaymentStatus;
use super::payments::{Payments, Verdict, event_money};
use crate::emit;
use crate::storage::{self, Facts, PaymentRow};

/// Something payments learns about an order from the saga.
#[derive(Debug, Clone, Copy)]
pub enum Learned<'a> {
    /// Its amount, owner and payment token.
    Placed(&'a OrderPlaced),
    /// Its stock is held.
    StockReserved(Uuid),
}

impl Learned<'_> {
    fn order_id(&self) -> Uuid {
        match self {
            Learned::Placed(placed) => placed.order_id,
            Learned::StockReserved(order_id) => *order_id,
        }
    }

    fn facts(&self) -> Facts<'_> {
        match self {
            Learned::Placed(placed) => Facts {
                user_id: Some(placed.user_id),
                amount: Some((placed.total.amount_minor, placed.total.currency.as_str())),
                payment_token: Some(&placed.payment_token),
                ..Facts::default()
            },
            Learned::StockReserved(_) => Facts {
                stock_reserved: true,
                ..Facts::default()
            },
        }
    }
}

const PENDING: &str = PaymentStatus::Pending.as_str();
const AUTHORIZED: &str = PaymentStatus::Authorized.as_str();
const DECLINED: &str = PaymentStatus::Declined.as_str();

impl Payments {
    /// Records every fact (one statement for the round), then authorizes each order
    /// they made ready, once, and writes the processor's answers.
    pub async fn learn_all(
        &self,
        conn: &AsyncPgConnection,
        learned: &[Learned<'_>],
    ) -> Result<(), HandlerError> {
        // One row per order, with everything the round says of it; in order-id order,
        // the order its row is locked in.
        let mut facts: BTreeMap<Uuid, Facts<'_>> = BTreeMap::new();
        for l in learned {
            let known = facts.entry(l.order_id()).or_default();
            *known = known.and(l.facts());
        }
        let facts: Vec<(Uuid, Facts<'_>)> = facts.into_iter().collect();
        let mut rows = storage::record_all_facts(conn, &facts, PENDING).await?;
        // Authorized in the order the round first named them.
        let first: HashMap<Uuid, usize> = learned
            .iter()
            .enumerate()
            .rev()
            .map(|(at, l)| (l.order_id(), at))
            .collect();
        rows.sort_by_key(|row| first.get(&row.order_id).copied());
        let mut verdicts = Vec::new();
        for row in &rows {
            if let Some(verdict) = self.verdict(row).await {
                verdicts.push((row, verdict));
            }
        }
        record_verdicts(conn, &verdicts).await
    }
}

/// Writes what the processor said about each order: its status, its log entry and
/// its event, one statement each for the lot, pipelined.
async fn record_verdicts(
    conn: &AsyncPgConnection,
    verdicts: &[(&PaymentRow, Verdict)],
) -> Result<(), HandlerError> {
    if verdicts.is_empty() {
        return Ok(());
    }
    let mut statuses = Vec::with_capacity(verdicts.len());
    let mut log = Vec::with_capacity(verdicts.len());
    let mut events = Vec::with_capacity(verdicts.len());
    for (row, verdict) in verdicts {
        match verdict {
            Verdict::Authorized { reference, amount } => {
                let money = event_money(row, *amount)?;
                statuses.push((row.order_id, AUTHORIZED, Some(reference.as_str())));
                log.push((row.order_id, "authorized", Some(*amount), None));
                events.push(emit::authorized(row, money));
            }
            Verdict::Declined(reason) => {
                statuses.push((row.order_id, DECLINED, None));
                log.push((
                    row.order_id,
                    "declined",
                    row.amount_minor,
                    Some(reason.as_str()),
                ));
                events.push(emit::declined(row, reason));
            }
        }
    }
    futures::try_join!(
        storage::set_statuses(conn, &statuses),
        storage::log_events(conn, &log),
        mart_events::outbox::enqueue_all(conn, &events),
    )?;
    Ok(())
}
