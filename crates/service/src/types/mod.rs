//! GraphQL building blocks every subgraph shares, defined once so that the
//! supergraph sees one `Money`, one `PageInfo` and one cursor format:
//! - [`Money`]: an amount in minor units with its currency;
//! - [`Connection`], [`Edge`], [`PageInfo`] and [`cursor`]: Relay-style pages
//!   over `(created_at, id)`, one connection type per [`Node`];
//! - [`parse_id`] (and [`id_arg`] for resolvers): an `ID` argument read as a
//!   UUID, or `BAD_USER_INPUT`.

pub mod cursor;
mod id;
mod money;
mod page;

pub use id::{id_arg, parse_id};
pub use money::Money;
pub use page::{Connection, Edge, Node, PageInfo};
