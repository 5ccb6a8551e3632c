//! What payments learns from the saga about orders (placed, stock held),
//! recorded for a whole run of events in two round trips; an order it makes
//! ready is authorized, and the processor's answers for the run are written
//! in three statements (statuses, log, events), not three per order.

use std::collections::HashMap;

use diesel_async::AsyncPgConnection;
use futures::future::try_join_all;
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
    /// Records every fact (pipelined, in order), then authorizes each order
    /// they made ready, once, and writes the processor's answers (pipelined).
    pub async fn learn_all(
        &self,
        conn: &AsyncPgConnection,
        learned: &[Learned<'_>],
    ) -> Result<(), HandlerError> {
        let facts: Vec<Facts<'_>> = learned.iter().map(Learned::facts).collect();
        let rows = try_join_all(
            learned
                .iter()
                .zip(&facts)
                .map(|(l, f)| storage::record_facts(conn, l.order_id(), f, PENDING)),
        )
        .await?;
        // An order's last row holds every fact the round brought it.
        let last: HashMap<Uuid, usize> = rows
            .iter()
            .enumerate()
            .map(|(at, row)| (row.order_id, at))
            .collect();
        let mut verdicts = Vec::new();
        for (at, row) in rows.iter().enumerate() {
            if last[&row.order_id] != at {
                continue;
            }
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
