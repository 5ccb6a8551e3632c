//! The GraphQL face of the users service: thin types over domain values,
//! resolvers that call [`crate::domain::Accounts`], and a DataLoader for
//! addresses (entity batches ask for many users at once).

mod error;
mod loaders;
mod mutation;
mod query;
mod types;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, EmptySubscription, SDLExportOptions, Schema, SchemaBuilder};
use mart_service::client::ClientAddr;
use mart_service::identity::Identity;

use crate::domain::Accounts;
use error::GqlResult;
pub use mutation::Mutation;
pub use query::Query;

pub type UsersSchema = Schema<Query, Mutation, EmptySubscription>;

const MAX_DEPTH: usize = 8;

/// The schema's shape without the data resolvers need: what [`sdl`] exports
/// and what [`schema`] serves come from this one place.
pub fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    mart_service::graphql::harden(
        Schema::build(Query, Mutation, EmptySubscription).enable_federation(),
        MAX_DEPTH,
    )
}

pub fn schema(accounts: Accounts) -> UsersSchema {
    builder()
        .data(DataLoader::new(
            loaders::AddressLoader::new(accounts.clone()),
            tokio::spawn,
        ))
        .data(accounts)
        .finish()
}

pub fn sdl() -> String {
    builder()
        .finish()
        .sdl_with_options(SDLExportOptions::new().federation().compose_directive())
}

fn accounts<'a>(ctx: &Context<'a>) -> &'a Accounts {
    ctx.data_unchecked::<Accounts>()
}

fn identity<'a>(ctx: &Context<'a>) -> &'a Identity {
    mart_service::identity::identity(ctx)
}

fn client_ip(ctx: &Context<'_>) -> Option<std::net::IpAddr> {
    ctx.data_opt::<ClientAddr>().and_then(|c| c.0)
}
