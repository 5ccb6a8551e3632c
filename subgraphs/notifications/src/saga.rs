//! The consumer: every order, payment and shipment event the customer should
//! hear about becomes one notification row, written in the transaction that
//! records the event as handled. Publishing happens after the commit (see
//! [`crate::delivery::publisher`]).

use diesel_async::AsyncPgConnection;
use mart_events::catalog::{DomainEvent, OrderConfirmed, OrderPlaced};
use mart_events::consumer::{HandlerError, HandlerFuture, Reactions};
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

    fn react<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        envelope: &'a EventEnvelope,
    ) -> HandlerFuture<'a> {
        Box::pin(notify(conn, envelope))
    }

    /// The publisher reads what the handlers wrote once it is committed.
    fn committed(&self) {
        self.publish.wake();
    }
}

/// Records the owner an event names, then writes its notification (if it
/// makes one), addressed to the order's owner once known.
async fn notify(conn: &AsyncPgConnection, envelope: &EventEnvelope) -> Result<(), HandlerError> {
    let draft = compose::draft(envelope)?;
    let owner = match owner_named(envelope)? {
        Some((order_id, user_id, number)) => {
            Some(storage::remember_owner(conn, order_id, user_id, number.as_deref()).await?)
        }
        None => match &draft {
            Some(draft) => storage::owner_of(conn, draft.order_id).await?,
            None => None,
        },
    };
    let Some(draft) = draft else {
        return Ok(());
    };
    let (user_id, number) = match owner {
        Some((user, number)) => (Some(user), number),
        None => (None, None),
    };
    let (title, body) = compose::wording(&draft, number.as_deref());
    let new = NewNotification {
        event_id: envelope.id,
        order_id: draft.order_id,
        kind: draft.kind.as_str(),
        title,
        body,
    };
    storage::insert(conn, &new, user_id).await?;
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
