//! Postgres access for the users subgraph: one module per table, plain
//! functions over a connection so callers choose the transaction.

pub mod addresses;
pub mod login_failures;
pub mod refresh_tokens;
pub mod rows;
pub mod schema;
pub mod users;
