//! Integration tests of the inventory subgraph against the real Postgres (and,
//! for the service tests, the real broker). Reservation tests call the plain
//! functions on a database of their own; GraphQL tests start the service.

mod batch;
mod expiry;
mod lifecycle;
mod limits;
mod race;
mod schema;
mod seed;
mod stock;
mod support;
