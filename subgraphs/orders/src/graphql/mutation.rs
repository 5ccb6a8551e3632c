use async_graphql::{Context, ID, Object, Result};
use mart_service::identity::{access_token, require_user};

use super::ApiResultExt;
use super::inputs::{PlaceOrderInput, parse_id};
use super::types::Order;
use crate::domain::Orders;

pub struct Mutation;

#[Object]
impl Mutation {
    /// Prices the lines and shipping now and starts the order saga; the order
    /// comes back PENDING and moves on as stock and payment answer.
    async fn place_order(&self, ctx: &Context<'_>, input: PlaceOrderInput) -> Result<Order> {
        let user = require_user(ctx).gql()?;
        let request = input.into_request().gql()?;
        let orders = ctx.data_unchecked::<Orders>();
        let token = access_token(ctx);
        Ok(Order(orders.place(user.id, token, request).await.gql()?))
    }

    /// Cancels an order that has not shipped (CONFLICT once it has).
    async fn cancel_order(&self, ctx: &Context<'_>, id: ID) -> Result<Order> {
        let user = require_user(ctx).gql()?;
        let id = parse_id("id", &id).gql()?;
        let orders = ctx.data_unchecked::<Orders>();
        let order = orders
            .cancel(id, |owner| user.may_access(owner))
            .await
            .gql()?;
        Ok(Order(order))
    }
}
