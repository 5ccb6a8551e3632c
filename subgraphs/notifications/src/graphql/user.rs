//! `User.notifications`: a user's history, for them and for staff.

use async_graphql::{Context, ID, Object, Result};
use mart_service::identity::require_owner_or_admin;
use mart_service::types::cursor;

use super::types::{NotificationConnection, User, page_of};
use super::{ApiResultExt, service};

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
        let after_cursor = after
            .as_deref()
            .map(|c| cursor::decode_arg("after", c))
            .transpose()
            .gql()?;
        let page = service(ctx)
            .inbox
            .page(self.id, first, after_cursor, unread_only)
            .await
            .gql()?;
        Ok(page_of(page, first as usize, after_cursor.is_some()))
    }
}
