//! GraphQL building blocks every subgraph shares, defined once so that the
//! supergraph sees one `Money`, one `PageInfo` and one cursor format:
//! - [`Money`]: an amount in minor units with its currency;
//! - [`PageInfo`] and [`cursor`]: Relay-style pages over `(created_at, id)`;
//! - [`parse_id`]: an `ID` argument read as a UUID, or `BAD_USER_INPUT`.

pub mod cursor;
mod id;
mod money;
mod page;

pub use id::parse_id;
pub use money::Money;
pub use page::PageInfo;
