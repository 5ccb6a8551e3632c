//! The users service started in-process on loopback, against the real Postgres
//! and Kafka broker, driven over HTTP like the router drives it.

mod accounts;
mod addresses;
mod authorization;
mod jwks;
mod limits;
mod login;
mod sessions;
mod support;
