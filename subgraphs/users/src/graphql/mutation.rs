use async_graphql::{Context, ID, Object};
use mart_service::types::id_arg;

use super::types::{AddressInputValue, AddressObject, AuthPayload, RoleValue, UserObject};
use super::{GqlResult, accounts, client_ip, identity};

pub struct Mutation;

#[Object]
impl Mutation {
    /// Creates a customer account. The password needs at least 10 characters
    /// and must not be the email. The answer does not tell whether the email
    /// already has an account: if it does, nothing is created or changed, the
    /// answer looks the same, and only that account's own password signs in.
    /// Sign in with `login` after registering. A client address may register
    /// a limited number of accounts per 15 minutes (20 unless configured
    /// otherwise), then gets `TOO_MANY_REQUESTS`.
    async fn register(
        &self,
        ctx: &Context<'_>,
        email: String,
        #[graphql(secret)] password: String,
        name: String,
    ) -> async_graphql::Result<UserObject> {
        let user = accounts(ctx)
            .register(&email, &password, &name, client_ip(ctx))
            .await
            .gql()?;
        Ok(UserObject(user))
    }

    /// Signs in. After 5 failed attempts within 15 minutes for one email, or
    /// 20 from one client address, answers `TOO_MANY_REQUESTS`.
    async fn login(
        &self,
        ctx: &Context<'_>,
        email: String,
        #[graphql(secret)] password: String,
    ) -> async_graphql::Result<AuthPayload> {
        let session = accounts(ctx)
            .login(&email, &password, client_ip(ctx))
            .await
            .gql()?;
        Ok(session.into())
    }

    /// Exchanges a refresh token (once) for a new access and refresh token.
    /// Reusing a spent refresh token ends the whole session.
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(secret)] token: String,
    ) -> async_graphql::Result<AuthPayload> {
        Ok(accounts(ctx).refresh(&token).await.gql()?.into())
    }

    /// Ends the session the refresh token belongs to. Access tokens already
    /// issued stay valid until they expire (at most 15 minutes).
    async fn logout(
        &self,
        ctx: &Context<'_>,
        #[graphql(secret)] refresh_token: String,
    ) -> async_graphql::Result<bool> {
        accounts(ctx).logout(&refresh_token).await.gql()
    }

    /// Adds an address to your account.
    #[graphql(requires_scopes = "customer")]
    async fn add_address(
        &self,
        ctx: &Context<'_>,
        input: AddressInputValue,
    ) -> async_graphql::Result<AddressObject> {
        let address = accounts(ctx)
            .add_address(identity(ctx), &input.into())
            .await
            .gql()?;
        Ok(AddressObject(address))
    }

    /// Removes one of your addresses; returns it.
    #[graphql(requires_scopes = "customer")]
    async fn remove_address(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<AddressObject> {
        let id = id_arg("id", &id)?;
        let address = accounts(ctx)
            .remove_address(identity(ctx), id)
            .await
            .gql()?;
        Ok(AddressObject(address))
    }

    /// Staff only.
    #[graphql(requires_scopes = "admin")]
    async fn set_user_role(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        role: RoleValue,
    ) -> async_graphql::Result<UserObject> {
        let user_id = id_arg("userId", &user_id)?;
        let user = accounts(ctx)
            .set_role(identity(ctx), user_id, role.into())
            .await
            .gql()?;
        Ok(UserObject(user))
    }
}
