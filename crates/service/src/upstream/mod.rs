//! Calling another subgraph synchronously: a GraphQL client with timeouts, bounded
//! retries and a circuit breaker ([`client`]), and the calls more than one service makes
//! ([`products`]: prices and weights; [`shipping`]: rates; [`users`]: a caller's saved
//! address; asked by orders at placement and by checkout).

pub mod breaker;
pub mod client;
pub mod products;
pub mod shipping;
pub mod users;

pub use client::{CallPolicy, GraphqlClient, UpstreamError};
pub use products::{ProductQuote, ProductsClient};
pub use shipping::{ShippingClient, ShippingQuote};
pub use users::{SavedAddress, UsersClient};
