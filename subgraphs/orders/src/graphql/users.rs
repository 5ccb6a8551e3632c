//! `User.orders`: the orders subgraph's field on the users service's entity.

use async_graphql::{Context, ID, Object, Result};
use mart_service::ApiError;
use mart_service::types::{PageInfo, cursor};
use uuid::Uuid;

use super::ApiResultExt;
use super::types::{Order, OrderConnection, OrderEdge};
use crate::domain::Orders;
use crate::storage;

const DEFAULT_PAGE: i32 = 20;
const MAX_PAGE: i32 = 100;

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
        if !(1..=MAX_PAGE).contains(&first) {
            return Err(ApiError::bad_input(
                "first",
                format!("first must be 1 to {MAX_PAGE}"),
            ))
            .gql();
        }
        let after = match after {
            None => None,
            Some(c) => Some(cursor::decode_arg("after", &c).gql()?),
        };
        let orders = ctx.data_unchecked::<Orders>();
        let mut conn = orders.db().conn().await.map_err(ApiError::from).gql()?;
        let mut rows = storage::list_for_user(&mut conn, self.id, after, i64::from(first) + 1)
            .await
            .map_err(ApiError::from)
            .gql()?;
        let has_next_page = rows.len() > first as usize;
        rows.truncate(first as usize);
        let edges: Vec<OrderEdge> = rows
            .into_iter()
            .map(|row| OrderEdge {
                cursor: cursor::encode((row.created_at, row.id)),
                node: Order(row),
            })
            .collect();
        let page_info = PageInfo::of(
            edges.iter().map(|e| &e.cursor),
            has_next_page,
            after.is_some(),
        );
        Ok(OrderConnection { edges, page_info })
    }
}
