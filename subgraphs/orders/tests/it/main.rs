//! Integration tests of the order saga: every service started in this process
//! against the real Postgres and broker.

mod accounts;
mod admission;
mod broker;
mod faults;
mod killable;
mod limits;
mod live;
mod live_feed;
mod live_pause;
mod placement;
mod router;
mod router_live;
mod saga;
mod saved_address;
mod streams;
mod support;
mod ws;
