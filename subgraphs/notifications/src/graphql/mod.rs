//! The GraphQL face of notifications: `User.notifications`,
//! `Query.notification`, `markNotificationRead` and the live
//! `Subscription.notifications`.

mod types;
mod user;

use async_graphql::{
    Context, ID, Object, Result, SDLExportOptions, Schema, SchemaBuilder, Subscription,
};
use futures::{Stream, StreamExt};
use mart_service::identity::{require_owner_or_admin, require_user};
use mart_service::types::id_arg;
use mart_service::{ApiError, DbError};

use crate::delivery::live::Live;
use crate::domain::{Inbox, NotificationsError};
pub use types::{Notification, Order, User};

pub type NotificationsSchema = Schema<Query, Mutation, Subscription>;

/// What the resolvers work with.
#[derive(Clone)]
pub struct Service {
    pub inbox: Inbox,
    pub live: Live,
}

impl From<NotificationsError> for ApiError {
    fn from(e: NotificationsError) -> Self {
        match e {
            NotificationsError::NotFound => ApiError::NotFound(e.to_string()),
            NotificationsError::Forbidden => ApiError::Forbidden,
            NotificationsError::BadInput { field, message } => ApiError::bad_input(field, message),
            // diesel's NotFound stays NOT_FOUND; other database errors are internal
            // or SERVICE_UNAVAILABLE.
            NotificationsError::Storage(DbError::Query(e)) => e.into(),
            NotificationsError::Storage(e) => e.into(),
        }
    }
}

fn service<'a>(ctx: &Context<'a>) -> &'a Service {
    ctx.data_unchecked::<Service>()
}

use mart_service::ApiResultExt;

pub struct Query;

#[Object]
impl Query {
    /// One notification of the caller's (any for staff); null when missing.
    async fn notification(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Notification>> {
        require_user(ctx).gql()?;
        let id = id_arg("id", &id)?;
        let Some(notification) = service(ctx).inbox.find(id).await.gql()? else {
            return Ok(None);
        };
        require_owner_or_admin(ctx, notification.user_id).gql()?;
        Ok(Some(Notification(notification)))
    }

    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Result<User> {
        Ok(User {
            id: id_arg("id", &id)?,
        })
    }

    #[graphql(entity)]
    async fn find_order_by_id(&self, id: ID) -> Result<Order> {
        Ok(Order {
            id: id_arg("id", &id)?,
        })
    }
}

pub struct Mutation;

#[Object]
impl Mutation {
    /// Marks one of the caller's notifications read (`NOT_FOUND` for a
    /// missing one, `FORBIDDEN` for someone else's). Marking twice keeps the
    /// first time.
    async fn mark_notification_read(&self, ctx: &Context<'_>, id: ID) -> Result<Notification> {
        let user = require_user(ctx).gql()?;
        let id = id_arg("id", &id)?;
        let notification = service(ctx).inbox.mark_read(user.id, id).await.gql()?;
        Ok(Notification(notification))
    }
}

pub struct Subscription;

#[Subscription]
impl Subscription {
    /// The caller's notifications as they are created, each once, in order;
    /// a Redis outage delays them, it does not lose them.
    async fn notifications(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Notification> + use<>> {
        let user = require_user(ctx).gql()?;
        Ok(service(ctx).live.follow(user.id).map(Notification))
    }
}

pub fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    mart_service::graphql::harden(
        Schema::build(Query, Mutation, Subscription)
            .enable_federation()
            .enable_subscription_in_federation(),
        12,
    )
}

pub fn schema(service: Service) -> NotificationsSchema {
    builder().data(service).finish()
}

pub fn sdl() -> String {
    builder()
        .finish()
        .sdl_with_options(SDLExportOptions::new().federation().compose_directive())
}
