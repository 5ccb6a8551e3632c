//! Clients for the streaming transports a GraphQL subscription can ride, shared by the
//! router's tests and the whole-shop tests so that both read the wire the same way: a
//! WebSocket client speaking either subprotocol ([`Socket`]), and a reader of SSE and
//! multipart response bodies ([`BodyReader`]).
//!
//! Every read is bounded by [`MESSAGE_TIMEOUT`], so a server that goes quiet fails the
//! test instead of hanging it.

mod body;
mod ws;

use std::time::Duration;

pub use body::BodyReader;
pub use ws::{LEGACY_WS, Socket, TRANSPORT_WS, ws_url};

/// How long a test waits for the next message or chunk before failing. Generous, because
/// it only runs out when a test is failing anyway, and a loaded CI machine can be slow to
/// deliver the first event of a subscription.
pub const MESSAGE_TIMEOUT: Duration = Duration::from_secs(30);
