//! The GraphQL face of orders: `Order` (an entity), `User.orders`, `order`,
//! `placeOrder`, `cancelOrder` and the live `orderStatusChanged` and
//! `myOrderUpdates`.

mod inputs;
mod loaders;
mod mutation;
mod query;
mod subscription;
mod types;
mod users;

use async_graphql::dataloader::DataLoader;
use async_graphql::{SDLExportOptions, Schema, SchemaBuilder};
use mart_service::{ApiError, DbError};

use crate::domain::{Orders, OrdersError};
use crate::live::StatusFeed;
pub use mutation::Mutation;
pub use query::Query;
pub use subscription::Subscription;

pub type OrdersSchema = Schema<Query, Mutation, Subscription>;

impl From<OrdersError> for ApiError {
    fn from(e: OrdersError) -> Self {
        match e {
            OrdersError::BadInput { field, message } => ApiError::bad_input(field, message),
            OrdersError::NoOrder(_) => ApiError::NotFound(e.to_string()),
            OrdersError::TooLateToCancel | OrdersError::KeyReused => {
                ApiError::Conflict(e.to_string())
            }
            OrdersError::Unauthenticated => ApiError::Unauthenticated,
            OrdersError::Busy { .. } | OrdersError::Unavailable(_) => {
                ApiError::ServiceUnavailable(e.to_string())
            }
            OrdersError::Upstream(e) => ApiError::internal(e),
            OrdersError::Internal(detail) => ApiError::internal(detail),
            // diesel's NotFound stays NOT_FOUND; other database errors are internal
            // or SERVICE_UNAVAILABLE.
            OrdersError::Storage(DbError::Query(e)) => e.into(),
            OrdersError::Storage(e) => e.into(),
        }
    }
}

const MAX_DEPTH: usize = 12;

/// The schema's shape without data: what `sdl()` exports and [`schema`] serves.
pub fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    mart_service::graphql::harden(
        Schema::build(Query, Mutation, Subscription)
            .enable_federation()
            // Without it `_service { sdl }` leaves Subscription out.
            .enable_subscription_in_federation(),
        MAX_DEPTH,
    )
}

pub fn schema(orders: Orders, feed: StatusFeed) -> OrdersSchema {
    builder()
        .data(DataLoader::new(
            loaders::LinesLoader(orders.clone()),
            tokio::spawn,
        ))
        .data(DataLoader::new(
            loaders::HistoryLoader(orders.clone()),
            tokio::spawn,
        ))
        .data(orders)
        .data(feed)
        .finish()
}

pub fn sdl() -> String {
    builder()
        .finish()
        .sdl_with_options(SDLExportOptions::new().federation().compose_directive())
}

use mart_service::ApiResultExt;
