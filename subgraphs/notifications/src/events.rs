//! The consumer: every order, payment and shipment event the customer should
//! hear about becomes one notification row, written in the transaction that
//! records the event as handled. Publishing happens after the commit (see
//! [`crate::publisher`]).

use std::time::Duration;

use diesel_async::AsyncPgConnection;
use mart_events::catalog::{DomainEvent, OrderConfirmed, OrderPlaced, OrderStatusChanged};
use mart_events::consumer::{HandlerError, HandlerFuture};
use mart_events::{EventEnvelope, EventHandler, Topic};

use crate::compose;
use crate::publisher::PublishSignal;
use crate::storage::{self, NewNotification};

pub const TOPICS: &[Topic] = &[Topic::Orders, Topic::Payments, Topic::Shipping];

/// The consumer group (per deployment, shared by replicas).
pub const GROUP: &str = "notify";

pub struct NotifyHandler {
    pub publish: PublishSignal,
}

impl EventHandler for NotifyHandler {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        envelope: &'a EventEnvelope,
    ) -> HandlerFuture<'a> {
        Box::pin(async move {
            // May address notifications that waited for this owner.
            if remember_owner(conn, envelope).await? {
                self.wake_after_commit();
            }
            let Some(draft) = compose::draft(envelope)? else {
                return Ok(());
            };
            let owner = storage::owner_of(conn, draft.order_id).await?;
            let (user_id, number) = match owner {
                Some((user, number)) => (Some(user), number),
                // Kept unaddressed until the order's owner is known.
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
            self.wake_after_commit();
            Ok(())
        })
    }
}

impl NotifyHandler {
    /// The consumer commits after the handler returns; wake the publisher just
    /// after (it also polls, so a wake that comes too early only costs latency).
    fn wake_after_commit(&self) {
        let publish = self.publish.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(15)).await;
            publish.wake();
        });
    }
}

/// Events that name the order's owner teach us who it is.
async fn remember_owner(
    conn: &mut AsyncPgConnection,
    envelope: &EventEnvelope,
) -> Result<bool, HandlerError> {
    let (order_id, user_id, number) = match envelope.event_type.as_str() {
        OrderPlaced::TYPE => {
            let e: OrderPlaced = envelope.decode()?;
            (e.order_id, e.user_id, Some(e.number))
        }
        OrderConfirmed::TYPE => {
            let e: OrderConfirmed = envelope.decode()?;
            (e.order_id, e.user_id, None)
        }
        OrderStatusChanged::TYPE => {
            let e: OrderStatusChanged = envelope.decode()?;
            (e.order_id, e.user_id, None)
        }
        _ => return Ok(false),
    };
    storage::remember_owner(conn, order_id, user_id, number.as_deref()).await?;
    Ok(true)
}
