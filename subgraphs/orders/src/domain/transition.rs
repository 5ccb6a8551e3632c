//! Applying one [`OrderEvent`] to a stored order inside the caller's
//! transaction: the status row, its history, and the events the change emits.

use std::collections::HashMap;

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use futures::future::try_join_all;
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
    // Pipelined statements run in the order sent, so an order's moves apply
    // one after the other, each from the status the one before left.
    let recorded = try_join_all(
        moves
            .iter()
            .map(|(_, order, transition)| record(conn, order, *transition)),
    )
    .await?;
    let mut applied: Vec<Applied> = outcomes
        .into_iter()
        .map(|(outcome, order)| Applied { outcome, order })
        .collect();
    for ((at, _, _), row) in moves.iter().zip(recorded) {
        applied[*at].order = Some(row);
    }
    Ok(applied)
}

/// One move of `order`: its row, its history and the events it emits, sent
/// together (pipelined): one round trip.
async fn record(
    conn: &AsyncPgConnection,
    order: &OrderRow,
    transition: Transition,
) -> QueryResult<OrderRow> {
    let order_id = order.id;
    let (updated, ()) = try_join!(
        storage::set_status(
            conn,
            order_id,
            transition.to.as_str(),
            transition.reason,
            transition
                .reason
                .filter(|_| transition.to == OrderStatus::Cancelled),
        ),
        emit::moved(conn, order, transition),
    )?;
    Ok(updated)
}
