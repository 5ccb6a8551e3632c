//! `User.orders`: the orders subgraph's field on the users service's entity.

use async_graphql::{Context, ID, Object, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use mart_service::ApiError;
use uuid::Uuid;

use super::ApiResultExt;
use super::types::{Order, OrderConnection, OrderEdge, PageInfo};
use crate::domain::Orders;
use crate::storage;

const DEFAULT_PAGE: i32 = 20;
const MAX_PAGE: i32 = 100;
/// Cursors this list hands out are about 70 characters; a longer `after` is
/// refused before it is decoded.
pub const MAX_CURSOR_LEN: usize = 128;

pub struct User {
    pub id: Uuid,
}

fn encode_cursor(at: DateTime<Utc>, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{id}", at.timestamp_micros()))
}

fn decode_cursor(cursor: &str) -> Option<(DateTime<Utc>, Uuid)> {
    if cursor.len() > MAX_CURSOR_LEN {
        return None;
    }
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let (micros, id) = raw.split_once('|')?;
    Some((
        DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        Uuid::parse_str(id).ok()?,
    ))
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
            Some(c) => Some(
                decode_cursor(&c)
                    .ok_or_else(|| ApiError::bad_input("after", "not a cursor from this list"))
                    .gql()?,
            ),
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
                cursor: encode_cursor(row.created_at, row.id),
                node: Order(row),
            })
            .collect();
        let page_info = PageInfo {
            has_next_page,
            has_previous_page: after.is_some(),
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
        };
        Ok(OrderConnection { edges, page_info })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let at = DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap();
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(&encode_cursor(at, id)), Some((at, id)));
        assert_eq!(decode_cursor("not-a-cursor"), None);
    }
}
