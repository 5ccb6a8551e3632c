use async_graphql::{Context, ID, Object};
use mart_service::types::id_arg;

use super::types::UserObject;
use super::{GqlResult, accounts, identity};

pub struct Query;

#[Object]
impl Query {
    /// The signed-in user; null when anonymous.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<UserObject>> {
        let user = accounts(ctx).me(identity(ctx)).await.gql()?;
        Ok(user.map(UserObject))
    }

    /// An account by id: your own, or anyone's for staff (`FORBIDDEN`
    /// otherwise).
    async fn user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<UserObject>> {
        let id = id_arg("id", &id)?;
        let user = accounts(ctx).user(identity(ctx), id).await.gql()?;
        Ok(user.map(UserObject))
    }

    /// Federation: other subgraphs' references to a `User`, resolved under the
    /// same ownership rule as `user`. A refused representation answers null
    /// with its error, without failing the rest of the batch (async-graphql
    /// would otherwise null the whole `_entities` list).
    #[graphql(entity)]
    async fn find_user_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<UserObject>> {
        match self.user(ctx, id).await {
            Ok(user) => Ok(user),
            Err(error) => {
                ctx.add_error(ctx.set_error_path(error.into_server_error(ctx.item.pos)));
                Ok(None)
            }
        }
    }
}
