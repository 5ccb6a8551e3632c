//! Integration tests of the checkout subgraph: the real service and the real products
//! subgraph on loopback ports (prices come from it over HTTP), their own databases on
//! the real Postgres, topics on the real broker.

mod carts;
mod discounts;
mod support;
