//! Integration tests of the products subgraph: the real service on a loopback
//! port, its own database on the real Postgres, topics on the real broker.

mod authorization;
mod crud;
mod entities;
mod http;
mod limits;
mod outbox;
mod pagination;
mod schema;
mod search;
mod seed;
mod support;
mod validation;
