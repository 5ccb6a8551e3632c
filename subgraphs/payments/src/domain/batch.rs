//! What payments learns from the saga about orders (placed, stock held),
//! recorded for a whole run of events in two round trips; an order it makes
//! ready is authorized.

use std::collections::HashMap;

use diesel_async::AsyncPgConnection;
use futures::future::try_join_all;
use mart_events::HandlerError;
use mart_events::catalog::OrderPlaced;
use uuid::Uuid;

use super::PaymentStatus;
use super::payments::Payments;
use crate::storage::{self, Facts};

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
        try_join_all(
            verdicts
                .into_iter()
                .map(|(row, verdict)| self.record_verdict(conn, row, verdict)),
        )
        .await?;
        Ok(())
    }
}
