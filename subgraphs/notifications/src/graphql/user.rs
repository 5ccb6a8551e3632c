//! `User.notifications`: a user's history, for them and for staff.

use async_graphql::{Context, ErrorExtensions, ID, Object, Result};
use mart_service::ApiError;
use mart_service::identity::require_owner_or_admin;

use mart_service::types::cursor;

use super::types::{NotificationConnection, User};
use super::{ApiResultExt, service};
use crate::storage;

/// The largest page `first` may ask for.
const MAX_PAGE: i32 = 100;

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// Newest first. Only the user themself and staff may read them
    /// (`FORBIDDEN` otherwise).
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
        after: Option<String>,
        #[graphql(default = false)] unread_only: bool,
    ) -> Result<NotificationConnection> {
        require_owner_or_admin(ctx, self.id).gql()?;
        if !(1..=MAX_PAGE).contains(&first) {
            return Err(ApiError::bad_input(
                "first",
                format!("first must be between 1 and {MAX_PAGE}"),
            )
            .extend());
        }
        let after_cursor = after
            .as_deref()
            .map(|c| cursor::decode_arg("after", c))
            .transpose()
            .gql()?;
        let mut conn = service(ctx).db.conn().await.gql()?;
        let rows = storage::page(
            &mut conn,
            self.id,
            after_cursor,
            unread_only,
            i64::from(first) + 1,
        )
        .await
        .gql()?;
        Ok(NotificationConnection::from_rows(
            rows,
            first as usize,
            after_cursor.is_some(),
        ))
    }
}
