//! The consumer: every order, payment and shipment event the customer should
//! hear about becomes one notification row, written in the transaction that
//! records the event as handled. Publishing happens after the commit (see
//! [`crate::delivery::publisher`]).

use diesel_async::AsyncPgConnection;
use mart_events::catalog::{DomainEvent, OrderConfirmed, OrderPlaced};
use mart_events::consumer::{BatchFuture, HandlerError, HandlerFuture, Reactions};
use mart_events::{EventEnvelope, Topic};

use crate::delivery::publisher::PublishSignal;
use crate::domain::compose;
use crate::storage::{self, NewNotification};
use uuid::Uuid;

pub const TOPICS: &[Topic] = &[Topic::Orders, Topic::Payments, Topic::Shipping];

/// The consumer group (per deployment, shared by replicas).
pub const GROUP: &str = "notify";

pub struct NotifyHandler {
    pub publish: PublishSignal,
}

impl Reactions for NotifyHandler {
    /// Events that become notifications; among them `order.placed` names the
    /// order's owner and number first (the orders topic keeps an order's events
    /// in order). The rest are skipped without a transaction.
    const HANDLED: &'static [&'static str] = compose::DRAFTED;

    /// Every event handled is in the one run: a round is written in four statements
    /// however many events it holds ([`notify_all`]).
    fn run_of(event_type: &str) -> Option<usize> {
        compose::DRAFTED.contains(&event_type).then_some(0)
    }

    fn react_to_run<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        events: &'a [&'a EventEnvelope],
    ) -> BatchFuture<'a> {
        Box::pin(notify_all(conn, events))
    }

    /// Never called: every event handled is in the one run.
    fn react<'a>(
        &'a self,
        _conn: &'a mut AsyncPgConnection,
        _envelope: &'a EventEnvelope,
    ) -> HandlerFuture<'a> {
        Box::pin(async { Ok(()) })
    }

    /// The publisher reads what the handlers wrote once it is committed.
    fn committed(&self) {
        self.publish.wake();
    }
}

/// Records the owners the events name, then writes their notifications (for the events
/// that make one), each addressed to its order's owner once known. One event at a time,
/// this was two to four statements an event: at 200 orders/s, 75,600 a minute, more than
/// any other consumer wrote (pg_stat_statements, bench/LOG.md session 14).
async fn notify_all(
    conn: &AsyncPgConnection,
    events: &[&EventEnvelope],
) -> Result<(), (usize, HandlerError)> {
    let mut drafts = Vec::with_capacity(events.len());
    let mut named = Vec::new();
    for (at, envelope) in events.iter().enumerate() {
        let fail = |e: HandlerError| (at, e);
        if let Some(draft) = compose::draft(envelope).map_err(|e| fail(e.into()))? {
            drafts.push((envelope.id, draft));
        }
        if let Some(owner) = owner_named(envelope).map_err(fail)? {
            named.push(owner);
        }
    }
    let batch = |e: diesel::result::Error| (0, HandlerError::from(e));
    let named_ref: Vec<(Uuid, Uuid, Option<&str>)> = named
        .iter()
        .map(|(order, user, number)| (*order, *user, number.as_deref()))
        .collect();
    let mut owners = storage::remember_owners(conn, &named_ref)
        .await
        .map_err(batch)?;
    let unknown: Vec<Uuid> = drafts
        .iter()
        .map(|(_, d)| d.order_id)
        .filter(|order| !owners.contains_key(order))
        .collect();
    owners.extend(storage::owners_of(conn, &unknown).await.map_err(batch)?);
    let new: Vec<(NewNotification, Option<Uuid>)> = drafts
        .iter()
        .map(|(event_id, draft)| {
            let (user_id, number) = match owners.get(&draft.order_id) {
                Some((user, number)) => (Some(*user), number.as_deref()),
                None => (None, None),
            };
            let (title, body) = compose::wording(draft, number);
            let new = NewNotification {
                event_id: *event_id,
                order_id: draft.order_id,
                kind: draft.kind.as_str(),
                title,
                body,
            };
            (new, user_id)
        })
        .collect();
    storage::insert_all(conn, &new).await.map_err(batch)?;
    Ok(())
}

/// `(order, owner, number)` from the wanted events that name an order's owner.
fn owner_named(
    envelope: &EventEnvelope,
) -> Result<Option<(Uuid, Uuid, Option<String>)>, HandlerError> {
    Ok(match envelope.event_type.as_str() {
        OrderPlaced::TYPE => {
            let e: OrderPlaced = envelope.decode()?;
            Some((e.order_id, e.user_id, Some(e.number)))
        }
        OrderConfirmed::TYPE => {
            let e: OrderConfirmed = envelope.decode()?;
            Some((e.order_id, e.user_id, None))
        }
        _ => None,
    })
}
