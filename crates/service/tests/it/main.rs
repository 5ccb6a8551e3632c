//! Integration tests of the service kit against the real Postgres and Kafka broker.

mod consumer;
mod dead_letters;
mod kafka_support;
mod memory;
mod outbox;
mod pg_tls;
mod probes;
mod retention;
mod tls;
mod topics;
mod upkeep;
