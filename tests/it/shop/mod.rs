//! The saga across every service, each started in this process (its own port
//! and database, one broker topic prefix) and driven through GraphQL, the router
//! and the live feeds.

mod accounts;
mod admission;
mod broker;
mod cart;
mod checkout;
mod faults;
mod killable;
mod limits;
mod live;
mod live_feed;
mod metrics;
mod placement;
mod router;
mod router_live;
mod saga;
mod saved_address;
mod streams;
mod support;
mod trace;
