//! The GraphQL types: notifications, their connection, and the users' and
//! orders' entities they hang off.

use async_graphql::{ID, Object, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use mart_service::ApiError;
use uuid::Uuid;

use crate::compose;
use crate::storage::{Cursor, NotificationRow};

/// Something that happened to one of the user's orders.
pub struct Notification(pub NotificationRow);

#[Object]
impl Notification {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Who it is for.
    async fn user(&self) -> User {
        User {
            id: self.0.user_id.unwrap_or_default(),
        }
    }

    async fn kind(&self) -> async_graphql::Result<compose::Kind> {
        compose::Kind::parse(&self.0.kind).ok_or_else(|| {
            use async_graphql::ErrorExtensions;
            ApiError::internal(format!("unknown notification kind {}", self.0.kind)).extend()
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

/// A page of a user's notifications, newest first (Relay connection).
#[derive(SimpleObject)]
pub struct NotificationConnection {
    pub edges: Vec<NotificationEdge>,
    pub page_info: PageInfo,
}

#[derive(SimpleObject)]
pub struct NotificationEdge {
    pub cursor: String,
    pub node: Notification,
}

#[derive(SimpleObject)]
#[graphql(shareable)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

impl NotificationConnection {
    /// `rows` holds up to one row more than the page: its presence says there
    /// is a next page.
    pub fn from_rows(mut rows: Vec<NotificationRow>, first: usize, after_given: bool) -> Self {
        let has_next_page = rows.len() > first;
        rows.truncate(first);
        let edges: Vec<NotificationEdge> = rows
            .into_iter()
            .map(|row| NotificationEdge {
                cursor: encode_cursor((row.created_at, row.id)),
                node: Notification(row),
            })
            .collect();
        let page_info = PageInfo {
            has_next_page,
            has_previous_page: after_given,
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
        };
        Self { edges, page_info }
    }
}

/// The cursors [`encode_cursor`] makes are about 70 characters; a longer
/// `after` is refused before it is decoded.
pub const MAX_CURSOR_LEN: usize = 128;

pub fn encode_cursor((at, id): Cursor) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{id}", at.timestamp_micros()))
}

pub fn decode_cursor(cursor: &str) -> Result<Cursor, ApiError> {
    let bad = || ApiError::bad_input("after", "after is not a cursor from this connection");
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(ApiError::bad_input(
            "after",
            format!("after must be at most {MAX_CURSOR_LEN} characters"),
        ));
    }
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let (micros, id) = raw.split_once(':').ok_or_else(bad)?;
    let at = micros
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_micros)
        .ok_or_else(bad)?;
    let id = Uuid::parse_str(id).map_err(|_| bad())?;
    Ok((at, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_bad_input() {
        let at = DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap();
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(&encode_cursor((at, id))).unwrap(), (at, id));
        let too_long = "A".repeat(MAX_CURSOR_LEN + 1);
        for bad in ["", "!!", "bm9wZQ", &too_long] {
            assert_eq!(decode_cursor(bad).unwrap_err().code(), "BAD_USER_INPUT");
        }
    }
}
