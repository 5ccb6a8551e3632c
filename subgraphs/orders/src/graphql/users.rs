//! `User.orders`: the orders subgraph's field on the users service's entity.

use async_graphql::{Context, ID, Object, Result};
use mart_service::types::cursor;
use uuid::Uuid;

use super::ApiResultExt;
use super::types::{Order, OrderConnection};
use crate::domain::Orders;
use crate::domain::reads::DEFAULT_PAGE;

pub struct User {
    pub id: Uuid,
}

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// This user's orders, newest first: `first` (1 to 100, default 20) after
    /// the cursor `after`.
    async fn orders(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<OrderConnection> {
        mart_service::identity::require_owner_or_admin(ctx, self.id).gql()?;
        let first = first.unwrap_or(DEFAULT_PAGE);
        let after = match after {
            None => None,
            Some(c) => Some(cursor::decode_arg("after", &c).gql()?),
        };
        let orders = ctx.data_unchecked::<Orders>();
        let mut page = orders.page_of_user(self.id, first, after).await.gql()?;
        let has_next_page = page.len() > first as usize;
        page.truncate(first as usize);
        Ok(OrderConnection::new(
            page.into_iter()
                .map(|order| (cursor::encode((order.created_at, order.id)), Order(order))),
            has_next_page,
            after.is_some(),
        ))
    }
}
