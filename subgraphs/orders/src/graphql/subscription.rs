//! `orderStatusChanged` and `myOrderUpdates`: the live feed, filtered per
//! subscriber and checked against who may see the order.

use async_graphql::{Context, ErrorExtensions, ID, Object, Result, Subscription};
use chrono::{DateTime, Utc};
use futures::Stream;
use mart_service::ApiError;
use mart_service::identity::require_user;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::ApiResultExt;
use super::types::{Order, OrderStatus};
use crate::domain::{self, Orders};
use crate::live::{Changes, StatusChange, StatusFeed, Watch};

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
        let not_found = || ApiError::NotFound(format!("no order {}", order_id.as_str()));
        let id = Uuid::parse_str(&order_id).map_err(|_| not_found()).gql()?;
        // Subscribed before the order is read, so no change in between is lost.
        let changes = listen(ctx, Watch::Order(id)).await?;
        let order = load(ctx, id).await?.ok_or_else(not_found).gql()?;
        if !user.may_access(order.0.user_id) {
            return Err(ApiError::Forbidden).gql();
        }
        Ok(updates(changes))
    }

    /// Every status change of any of the caller's orders from now on.
    async fn my_order_updates(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<OrderStatusUpdate>> + use<>> {
        let user = require_user(ctx).gql()?.id;
        let changes = listen(ctx, Watch::Customer(user)).await?;
        Ok(updates(changes))
    }
}

async fn listen(ctx: &Context<'_>, watch: Watch) -> Result<Changes> {
    ctx.data_unchecked::<StatusFeed>()
        .subscribe(watch)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "live status feed: cannot start reading");
            ApiError::ServiceUnavailable("live updates are unavailable, try again shortly".into())
        })
        .gql()
}

/// The changes a subscriber watches; one that fell so far behind that the feed
/// dropped changes for it gets one error and its stream ends.
fn updates(changes: Changes) -> impl Stream<Item = Result<OrderStatusUpdate>> {
    futures::stream::unfold(Some(changes), |state| async move {
        let mut changes = state?;
        match changes.recv().await {
            Ok(change) => Some((Ok(OrderStatusUpdate(change)), Some(changes))),
            Err(RecvError::Lagged(missed)) => {
                let error = async_graphql::Error::new(format!(
                    "this subscriber read too slowly and missed {missed} updates; subscribe again"
                ))
                .extend_with(|_, e| e.set("code", "SUBSCRIBER_TOO_SLOW"));
                Some((Err(error), None))
            }
            // The service is shutting down.
            Err(RecvError::Closed) => None,
        }
    })
}

async fn load(ctx: &Context<'_>, id: Uuid) -> Result<Option<Order>> {
    Ok(read(ctx, id).await?.map(Order))
}

async fn read(ctx: &Context<'_>, id: Uuid) -> Result<Option<domain::Order>> {
    let orders = ctx.data_unchecked::<Orders>();
    orders.find(id).await.gql()
}

/// An order moved from `previousStatus` to `status`.
pub struct OrderStatusUpdate(StatusChange);

fn parse_status(value: &str) -> Result<OrderStatus> {
    domain::OrderStatus::parse(value)
        .map(OrderStatus::from)
        .ok_or_else(|| ApiError::internal(format!("unknown order status {value}")).extend())
}

#[Object]
impl OrderStatusUpdate {
    /// The order as it is now.
    async fn order(&self, ctx: &Context<'_>) -> Result<Order> {
        // Read once for every subscriber of this change, just after it.
        let id = self.0.change.order_id;
        self.0
            .order(|| read(ctx, id))
            .await?
            .map(Order)
            .ok_or_else(|| ApiError::NotFound("the order is gone".into()).extend())
    }

    async fn status(&self) -> Result<OrderStatus> {
        parse_status(&self.0.change.to)
    }

    /// Null for the first status (PENDING).
    async fn previous_status(&self) -> Result<Option<OrderStatus>> {
        self.0.change.from.as_deref().map(parse_status).transpose()
    }

    async fn at(&self) -> DateTime<Utc> {
        self.0.change.at
    }

    /// Why, for cancellations: out_of_stock, payment_declined,
    /// customer_cancelled or reservation_expired.
    async fn reason(&self) -> Option<&str> {
        self.0.change.reason.as_deref()
    }
}
