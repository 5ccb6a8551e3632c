//! A notification as the use cases hand it out.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::compose::Kind;
use crate::storage::NotificationRow;

#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: Uuid,
    /// Who it is for.
    pub user_id: Uuid,
    /// The order it is about.
    pub order_id: Option<Uuid>,
    pub kind: Result<Kind, UnknownKind>,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// When the user marked it read; `None` while unread.
    pub read_at: Option<DateTime<Utc>>,
}

/// A stored kind this build does not know: the column is free text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKind(pub String);

impl From<NotificationRow> for Notification {
    fn from(row: NotificationRow) -> Self {
        Self {
            id: row.id,
            // Only addressed notifications are ever read or delivered.
            user_id: row.user_id.unwrap_or_default(),
            order_id: row.order_id,
            kind: Kind::parse(&row.kind).ok_or(UnknownKind(row.kind)),
            title: row.title,
            body: row.body,
            created_at: row.created_at,
            read_at: row.read_at,
        }
    }
}
