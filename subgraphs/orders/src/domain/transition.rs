//! Applying one [`OrderEvent`] to a stored order inside the caller's
//! transaction: the status row, its history, and the events the change emits.

use std::collections::HashMap;

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use futures::try_join;
use uuid::Uuid;

use super::status::{self, OrderEvent, OrderStatus, Outcome, Transition};
use crate::emit;
use crate::storage::{self, rows::OrderRow};

#[derive(Debug)]
pub struct Applied {
    pub outcome: Outcome,
    /// The order after the event; `None` if no such order exists here.
    pub order: Option<OrderRow>,
}

impl Applied {
    pub fn moved(&self) -> bool {
        matches!(self.outcome, Outcome::Moved(_))
    }
}

/// Locks the order, moves it if the state machine allows (through the step the
/// event implies, if any: see [`status::path`]), and for every move enqueues
/// `order.status_changed` plus `order.confirmed` / `order.cancelled` when the
/// new status calls for them.
pub async fn apply(
    conn: &AsyncPgConnection,
    order_id: Uuid,
    event: OrderEvent,
) -> QueryResult<Applied> {
    apply_many(conn, &[(order_id, event)])
        .await?
        .pop()
        .ok_or(diesel::result::Error::NotFound)
}

/// [`apply`] for each `(order, event)` in turn, in a few round trips for the
/// lot: the orders are locked at once, the state machine runs over them in
/// memory (an order's later events see its earlier moves), and every move's
/// writes go out together, in order. One [`Applied`] per event.
pub async fn apply_many(
    conn: &AsyncPgConnection,
    events: &[(Uuid, OrderEvent)],
) -> QueryResult<Vec<Applied>> {
    let mut ids: Vec<Uuid> = events.iter().map(|(id, _)| *id).collect();
    ids.sort();
    ids.dedup();
    let mut current: HashMap<Uuid, OrderRow> = storage::lock_many(conn, &ids)
        .await?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    let mut moves: Vec<(usize, OrderRow, Transition)> = Vec::new();
    let mut outcomes = Vec::with_capacity(events.len());
    for (at, (order_id, event)) in events.iter().enumerate() {
        let Some(order) = current.get_mut(order_id) else {
            outcomes.push((Outcome::Ignored, None));
            continue;
        };
        let (path, outcome) = status::path(OrderStatus::stored(&order.status), *event);
        for transition in path {
            moves.push((at, order.clone(), transition));
            order.status = transition.to.as_str().to_string();
        }
        outcomes.push((outcome, Some(order.clone())));
    }
    // Each order's row goes straight to where its last move leaves it; every move still
    // gets its history row and its events, in order. Three statements for the round,
    // pipelined: one round trip (bench/LOG.md, session 12: one UPDATE and two INSERTs a move
    // made these the saga's costliest statements).
    let mut last: HashMap<Uuid, Transition> = HashMap::new();
    let mut history = Vec::with_capacity(moves.len());
    let mut events = Vec::with_capacity(moves.len() * 2);
    for (_, order, transition) in &moves {
        last.insert(order.id, *transition);
        history.push((order.id, transition.to.as_str(), transition.reason));
        events.extend(emit::moved(order, *transition));
    }
    let changes: Vec<(Uuid, &str, Option<&str>)> = last
        .iter()
        .map(|(id, t)| {
            let cancel_reason = t.reason.filter(|_| t.to == OrderStatus::Cancelled);
            (*id, t.to.as_str(), cancel_reason)
        })
        .collect();
    let (updated, (), ()) = try_join!(
        storage::set_statuses(conn, &changes),
        storage::record_histories(conn, &history),
        mart_events::outbox::enqueue_all(conn, &events),
    )?;
    let updated: HashMap<Uuid, OrderRow> = updated.into_iter().map(|r| (r.id, r)).collect();
    let mut applied: Vec<Applied> = outcomes
        .into_iter()
        .map(|(outcome, order)| Applied { outcome, order })
        .collect();
    // An event that moved its order answers with the row as stored; the others keep the
    // order as it was when they were looked at (later events of the round may move it).
    for (at, order, _) in &moves {
        if let Some(row) = updated.get(&order.id) {
            applied[*at].order = Some(row.clone());
        }
    }
    Ok(applied)
}
