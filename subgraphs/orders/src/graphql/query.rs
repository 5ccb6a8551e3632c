use async_graphql::{Context, ID, Object, Result};
use mart_service::identity::{require_owner_or_admin, require_user};

use super::ApiResultExt;
use super::types::Order;
use super::users::User;
use crate::domain::Orders;

pub struct Query;

/// The order, if the caller may see it (its owner or staff).
async fn visible_order(ctx: &Context<'_>, id: &ID) -> Result<Option<Order>> {
    let user = require_user(ctx).gql()?;
    let Ok(id) = uuid::Uuid::parse_str(id) else {
        return Ok(None);
    };
    let orders = ctx.data_unchecked::<Orders>();
    let order = orders.find(id).await.gql()?;
    Ok(order.filter(|o| user.may_access(o.user_id)).map(Order))
}

#[Object]
impl Query {
    /// One of the caller's orders (any order for staff); null if there is none.
    async fn order(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Order>> {
        visible_order(ctx, &id).await
    }

    /// `_entities` for `Order`: other subgraphs reference orders by id.
    #[graphql(entity)]
    async fn find_order_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Order>> {
        visible_order(ctx, &id).await
    }

    /// `_entities` for `User`: this subgraph adds `orders`.
    #[graphql(entity)]
    async fn find_user_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<User> {
        let Ok(user_id) = uuid::Uuid::parse_str(&id) else {
            return Err(mart_service::ApiError::bad_input("id", "not a user id")).gql();
        };
        require_owner_or_admin(ctx, user_id).gql()?;
        Ok(User { id: user_id })
    }
}
