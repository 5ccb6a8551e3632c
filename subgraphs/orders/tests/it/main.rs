//! Integration tests of the order saga: every service started in this process
//! against the real Postgres and broker.

mod broker;
mod faults;
mod live;
mod placement;
mod router;
mod saga;
mod support;
mod throughput;
mod ws;
