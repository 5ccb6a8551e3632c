//! Checkout's part of the saga: a cancelled order gives its discount code's use back.

use diesel_async::AsyncPgConnection;
use mart_events::catalog::{DomainEvent, OrderCancelled};
use mart_events::consumer::{HandlerFuture, Reactions};
use mart_events::{EventEnvelope, Topic};

use mart_events::HandlerError;

use mart_service::DbError;

use crate::domain::{CheckoutError, give_back_use};

pub const TOPICS: &[Topic] = &[Topic::Orders];

pub struct SagaHandler;

impl Reactions for SagaHandler {
    const HANDLED: &'static [&'static str] = &[OrderCancelled::TYPE];

    /// Gives back the use the order took, once: an order placed without a code (or with
    /// `placeOrder`) took none, and a redelivered cancellation finds it given back.
    fn react<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        envelope: &'a EventEnvelope,
    ) -> HandlerFuture<'a> {
        Box::pin(async move {
            let event: OrderCancelled = envelope.decode()?;
            let given = give_back_use(conn, event.order_id)
                .await
                .map_err(|e| match e {
                    // A query's own failure says whether retrying can help.
                    CheckoutError::Storage(DbError::Query(e)) => HandlerError::from(e),
                    other => HandlerError::Transient(other.to_string()),
                })?;
            if given {
                tracing::info!(order_id = %event.order_id, "discount code use given back");
            }
            Ok(())
        })
    }
}
