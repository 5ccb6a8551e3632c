//! The GraphQL types: notifications, their connection, and the users' and
//! orders' entities they hang off.

use async_graphql::{Enum, ID, Object};
use chrono::{DateTime, Utc};
use mart_service::ApiError;
use uuid::Uuid;

use crate::domain::{self, compose};
use mart_service::types::cursor;
use mart_service::types::{Connection, Node};

/// Also the GraphQL `NotificationKind` (the names are the stored values).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "compose::Kind")]
pub enum NotificationKind {
    OrderPlaced,
    OrderConfirmed,
    OrderCancelled,
    PaymentDeclined,
    PaymentCaptured,
    PaymentRefunded,
    ShipmentShipped,
    ShipmentDelivered,
    ShipmentReturned,
}

/// Something that happened to one of the user's orders.
pub struct Notification(pub domain::Notification);

#[Object]
impl Notification {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Who it is for.
    async fn user(&self) -> User {
        User { id: self.0.user_id }
    }

    async fn kind(&self) -> async_graphql::Result<NotificationKind> {
        self.0
            .kind
            .clone()
            .map(NotificationKind::from)
            .map_err(|domain::UnknownKind(kind)| {
                use async_graphql::ErrorExtensions;
                ApiError::internal(format!("unknown notification kind {kind}")).extend()
            })
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn body(&self) -> &str {
        &self.0.body
    }

    /// The order it is about.
    async fn order(&self) -> Option<Order> {
        self.0.order_id.map(|id| Order { id })
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the user marked it read; null while unread.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at
    }
}

/// The users service's user, extended with its notifications (resolvers in
/// `user.rs`).
pub struct User {
    pub id: Uuid,
}

/// The orders service's order, referenced by id.
pub struct Order {
    pub id: Uuid,
}

#[Object]
impl Order {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }
}

impl Node for Notification {
    const NAME: &'static str = "Notification";
}

/// A page of a user's notifications, newest first.
pub type NotificationConnection = Connection<Notification>;

/// `page` holds up to one notification more than the page: its presence says
/// there is a next page.
pub fn page_of(
    mut page: Vec<domain::Notification>,
    first: usize,
    after_given: bool,
) -> NotificationConnection {
    let has_next_page = page.len() > first;
    page.truncate(first);
    Connection::new(
        page.into_iter()
            .map(|n| (cursor::encode((n.created_at, n.id)), Notification(n))),
        has_next_page,
        after_given,
    )
}
