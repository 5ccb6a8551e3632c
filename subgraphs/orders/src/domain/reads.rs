//! What the API reads: one order, a customer's orders a page at a time, and
//! the lines and history of many orders at once (for the data loaders).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{HistoryEntry, Order, OrderLine, Orders, OrdersError};
use crate::storage;

/// A page of a customer's orders when `first` is not given.
pub const DEFAULT_PAGE: i32 = 20;
/// The largest page `first` may ask for.
pub const MAX_PAGE: i32 = 100;

impl Orders {
    /// One order; who may see it is the caller's check (`Order::user_id`).
    pub async fn find(&self, id: Uuid) -> Result<Option<Order>, OrdersError> {
        let mut conn = self.db().conn().await?;
        Ok(storage::find(&mut conn, id).await?.map(Order::from))
    }

    /// Up to `first` + 1 of `user`'s orders, newest first, after the position
    /// `after` (the extra one tells whether another page follows).
    pub async fn page_of_user(
        &self,
        user: Uuid,
        first: i32,
        after: Option<(DateTime<Utc>, Uuid)>,
    ) -> Result<Vec<Order>, OrdersError> {
        if !(1..=MAX_PAGE).contains(&first) {
            return Err(OrdersError::bad_input(
                "first",
                format!("first must be 1 to {MAX_PAGE}"),
            ));
        }
        let mut conn = self.db().conn().await?;
        let rows = storage::list_for_user(&mut conn, user, after, i64::from(first) + 1).await?;
        Ok(rows.into_iter().map(Order::from).collect())
    }

    /// The lines of every order in `ids`, by order and line number.
    pub async fn lines_of(&self, ids: &[Uuid]) -> Result<Vec<OrderLine>, OrdersError> {
        let mut conn = self.db().conn().await?;
        let rows = storage::lines_of(&mut conn, ids).await?;
        Ok(rows.into_iter().map(OrderLine::from).collect())
    }

    /// The status history of every order in `ids`, oldest first.
    pub async fn history_of(&self, ids: &[Uuid]) -> Result<Vec<HistoryEntry>, OrdersError> {
        let mut conn = self.db().conn().await?;
        let rows = storage::history_of(&mut conn, ids).await?;
        Ok(rows.into_iter().map(HistoryEntry::from).collect())
    }
}
