//! `orderStatusChanged` and `myOrderUpdates`: the live feed, filtered per
//! subscriber and checked against who may see the order.

use async_graphql::{Context, ErrorExtensions, ID, Object, Result, Subscription};
use chrono::{DateTime, Utc};
use futures::Stream;
use mart_service::ApiError;
use mart_service::identity::require_user;
use tokio::sync::broadcast::{self, error::RecvError};
use uuid::Uuid;

use super::ApiResultExt;
use super::types::{Order, OrderStatus};
use crate::domain::{Orders, status};
use crate::live::{StatusChange, StatusFeed};
use crate::storage;

pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Every status change of one order from now on (its owner or staff only).
    async fn order_status_changed(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
    ) -> Result<impl Stream<Item = Result<OrderStatusUpdate>> + use<>> {
        let user = require_user(ctx).gql()?;
        // Subscribed before the order is read, so no change in between is lost.
        let changes = ctx.data_unchecked::<StatusFeed>().subscribe();
        let not_found = || ApiError::NotFound(format!("no order {}", order_id.as_str()));
        let id = Uuid::parse_str(&order_id).map_err(|_| not_found()).gql()?;
        let order = load(ctx, id).await?.ok_or_else(not_found).gql()?;
        if !user.may_access(order.0.user_id) {
            return Err(ApiError::Forbidden).gql();
        }
        Ok(updates(changes, move |c| c.order_id == id))
    }

    /// Every status change of any of the caller's orders from now on.
    async fn my_order_updates(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<OrderStatusUpdate>> + use<>> {
        let user = require_user(ctx).gql()?.id;
        let changes = ctx.data_unchecked::<StatusFeed>().subscribe();
        Ok(updates(changes, move |c| c.user_id == user))
    }
}

/// The changes `keep` selects; a subscriber that fell so far behind that the
/// feed dropped changes for it gets one error and its stream ends.
fn updates(
    changes: broadcast::Receiver<StatusChange>,
    keep: impl Fn(&StatusChange) -> bool + Send + 'static,
) -> impl Stream<Item = Result<OrderStatusUpdate>> {
    futures::stream::unfold(Some((changes, keep)), |state| async move {
        let (mut changes, keep) = state?;
        loop {
            match changes.recv().await {
                Ok(change) if keep(&change) => {
                    return Some((Ok(OrderStatusUpdate(change)), Some((changes, keep))));
                }
                Ok(_) => {}
                Err(RecvError::Lagged(missed)) => {
                    let error = async_graphql::Error::new(format!(
                        "this subscriber read too slowly and missed {missed} updates; subscribe again"
                    ))
                    .extend_with(|_, e| e.set("code", "SUBSCRIBER_TOO_SLOW"));
                    return Some((Err(error), None));
                }
                // The service is shutting down.
                Err(RecvError::Closed) => return None,
            }
        }
    })
}

async fn load(ctx: &Context<'_>, id: Uuid) -> Result<Option<Order>> {
    let orders = ctx.data_unchecked::<Orders>();
    let mut conn = orders.db().conn().await.map_err(ApiError::from).gql()?;
    let row = storage::find(&mut conn, id)
        .await
        .map_err(ApiError::from)
        .gql()?;
    Ok(row.map(Order))
}

/// An order moved from `previousStatus` to `status`.
pub struct OrderStatusUpdate(StatusChange);

fn parse_status(value: &str) -> Result<OrderStatus> {
    status::OrderStatus::parse(value)
        .map(OrderStatus::from)
        .ok_or_else(|| ApiError::internal(format!("unknown order status {value}")).extend())
}

#[Object]
impl OrderStatusUpdate {
    /// The order as it is now.
    async fn order(&self, ctx: &Context<'_>) -> Result<Order> {
        load(ctx, self.0.order_id)
            .await?
            .ok_or_else(|| ApiError::NotFound("the order is gone".into()).extend())
    }

    async fn status(&self) -> Result<OrderStatus> {
        parse_status(&self.0.to)
    }

    /// Null for the first status (PENDING).
    async fn previous_status(&self) -> Result<Option<OrderStatus>> {
        self.0.from.as_deref().map(parse_status).transpose()
    }

    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// Why, for cancellations: out_of_stock, payment_declined,
    /// customer_cancelled or reservation_expired.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
}
