//! A user's notification history: a page of it, one notification, and
//! marking one read.

use mart_service::Database;
use uuid::Uuid;

use super::{Notification, NotificationsError};
use crate::storage::{self, Cursor};

/// The largest page `first` may ask for.
pub const MAX_PAGE: i32 = 100;

#[derive(Clone)]
pub struct Inbox {
    db: Database,
}

impl Inbox {
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// One addressed notification; who may read it is the caller's check.
    pub async fn find(&self, id: Uuid) -> Result<Option<Notification>, NotificationsError> {
        let mut conn = self.db.conn().await?;
        Ok(storage::find(&mut conn, id).await?.map(Notification::from))
    }

    /// Marks `user`'s notification `id` read; marking twice keeps the first
    /// time.
    pub async fn mark_read(
        &self,
        user: Uuid,
        id: Uuid,
    ) -> Result<Notification, NotificationsError> {
        let mut conn = self.db.conn().await?;
        let row = storage::find(&mut conn, id)
            .await?
            .ok_or(NotificationsError::NotFound)?;
        if row.user_id != Some(user) {
            return Err(NotificationsError::Forbidden);
        }
        Ok(storage::mark_read(&mut conn, id).await?.into())
    }

    /// Up to `first` + 1 of `user`'s notifications, newest first, after
    /// `after` (the extra one tells whether another page follows).
    pub async fn page(
        &self,
        user: Uuid,
        first: i32,
        after: Option<Cursor>,
        unread_only: bool,
    ) -> Result<Vec<Notification>, NotificationsError> {
        if !(1..=MAX_PAGE).contains(&first) {
            return Err(NotificationsError::BadInput {
                field: "first",
                message: format!("first must be between 1 and {MAX_PAGE}"),
            });
        }
        let mut conn = self.db.conn().await?;
        let rows = storage::page(&mut conn, user, after, unread_only, i64::from(first) + 1).await?;
        Ok(rows.into_iter().map(Notification::from).collect())
    }
}
