//! Integration tests of the notifications subgraph against the real Postgres,
//! broker and Redis: events go through a test database's outbox and the
//! broker, notifications come back over HTTP and WebSocket.

mod delivery;
mod history;
mod live;
mod redis_outage;
mod redis_tls;
mod schema;
mod support;
