//! The synchronous calls orders makes at placement: prices and weights from the
//! products subgraph, the shipping cost from the shipping subgraph, and a saved
//! address from the users subgraph.

pub use mart_service::upstream::{
    CallPolicy, GraphqlClient, ProductsClient, SavedAddress, ShippingClient, UpstreamError,
    UsersClient,
};
