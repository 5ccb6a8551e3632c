//! The two GraphQL-over-WebSocket subprotocols, as the router speaks them to clients:
//!
//! - `graphql-transport-ws` (the npm `graphql-ws` library): `connection_init` → `connection_ack`,
//!   `subscribe` → `next`… `complete` | `error`, client `complete` stops an operation,
//!   `ping`/`pong` both ways. Protocol violations close the socket with a 44xx code.
//! - `graphql-ws` (legacy subscriptions-transport-ws): `connection_init` → `connection_ack`
//!   (or `connection_error`), `start` → `data`… `complete` | `error`, `stop`,
//!   `connection_terminate`, and `ka` keep-alives from the server.
use serde::Deserialize;
use serde_json::Value;

use crate::graphql_error::GraphQLError;
use crate::pipeline::GraphQLRequest;
pub use crate::subgraph::websocket::TRANSPORT_WS;
use crate::value::write_json_str;

pub const LEGACY_WS: &str = "graphql-ws";

/// WebSocket close codes (graphql-transport-ws's, reused for the legacy protocol).
pub mod close {
    pub const NORMAL: u16 = 1000;
    pub const GOING_AWAY: u16 = 1001;
    /// A client that does not read its messages fast enough.
    pub const POLICY_VIOLATION: u16 = 1008;
    pub const BAD_REQUEST: u16 = 4400;
    pub const UNAUTHORIZED: u16 = 4401;
    pub const FORBIDDEN: u16 = 4403;
    pub const SUBPROTOCOL_NOT_ACCEPTABLE: u16 = 4406;
    pub const INIT_TIMEOUT: u16 = 4408;
    pub const SUBSCRIBER_EXISTS: u16 = 4409;
    pub const TOO_MANY_INITS: u16 = 4429;
    pub const INTERNAL_ERROR: u16 = 4500;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    TransportWs,
    Legacy,
}

/// A client message, whichever protocol carried it.
pub enum ClientMessage {
    ConnectionInit(Option<Value>),
    Subscribe {
        id: String,
        request: GraphQLRequest,
    },
    Complete {
        id: String,
    },
    Ping(Option<Value>),
    Pong,
    /// Legacy `connection_terminate`.
    Terminate,
}

#[derive(Deserialize)]
struct RawMessage {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    payload: Option<Value>,
}

impl Protocol {
    /// The protocol for the client's `Sec-WebSocket-Protocol` list: the first one it names that
    /// the router speaks; graphql-transport-ws when it names none; `None` when it names only
    /// others.
    pub fn negotiate<'a>(requested: impl IntoIterator<Item = &'a str>) -> Option<Protocol> {
        let mut any = false;
        for name in requested {
            any = true;
            match name.trim() {
                TRANSPORT_WS => return Some(Protocol::TransportWs),
                LEGACY_WS => return Some(Protocol::Legacy),
                _ => {}
            }
        }
        (!any).then_some(Protocol::TransportWs)
    }

    pub fn name(self) -> &'static str {
        match self {
            Protocol::TransportWs => TRANSPORT_WS,
            Protocol::Legacy => LEGACY_WS,
        }
    }

    /// Reads one text frame; `Err` is the reason for closing with 4400.
    pub fn parse(self, text: &str) -> Result<ClientMessage, String> {
        let raw: RawMessage = serde_json::from_str(text)
            .map_err(|e| format!("Invalid message: {e}"))
            .map_err(truncate)?;
        let id = |raw: &RawMessage| -> Result<String, String> {
            match &raw.id {
                Some(id) if !id.is_empty() => Ok(id.clone()),
                _ => Err(format!("A {} message needs an id", raw.kind)),
            }
        };
        let subscribe = |raw: RawMessage| -> Result<ClientMessage, String> {
            let id = id(&raw)?;
            let payload = raw.payload.unwrap_or(Value::Null);
            let request: GraphQLRequest = serde_json::from_value(payload)
                .map_err(|e| truncate(format!("Invalid subscribe payload: {e}")))?;
            Ok(ClientMessage::Subscribe { id, request })
        };
        match (self, raw.kind.as_str()) {
            (_, "connection_init") => Ok(ClientMessage::ConnectionInit(raw.payload)),
            (Protocol::TransportWs, "subscribe") | (Protocol::Legacy, "start") => subscribe(raw),
            (Protocol::TransportWs, "complete") | (Protocol::Legacy, "stop") => {
                Ok(ClientMessage::Complete { id: id(&raw)? })
            }
            (Protocol::TransportWs, "ping") => Ok(ClientMessage::Ping(raw.payload)),
            (Protocol::TransportWs, "pong") => Ok(ClientMessage::Pong),
            (Protocol::Legacy, "connection_terminate") => Ok(ClientMessage::Terminate),
            (_, other) => Err(truncate(format!("Unexpected message type {other:?}"))),
        }
    }

    pub fn ack(self) -> String {
        r#"{"type":"connection_ack"}"#.to_string()
    }

    /// The server's periodic keep-alive.
    pub fn keepalive(self) -> String {
        match self {
            Protocol::TransportWs => r#"{"type":"ping"}"#.to_string(),
            Protocol::Legacy => r#"{"type":"ka"}"#.to_string(),
        }
    }

    pub fn pong(self, payload: Option<Value>) -> String {
        match payload {
            Some(payload) => serde_json::json!({"type": "pong", "payload": payload}).to_string(),
            None => r#"{"type":"pong"}"#.to_string(),
        }
    }

    /// One result; `payload` is the JSON of a GraphQL response.
    pub fn next(self, id: &str, payload: &[u8]) -> String {
        let kind = match self {
            Protocol::TransportWs => "next",
            Protocol::Legacy => "data",
        };
        self.message(kind, id, payload)
    }

    /// The operation failed before it ran (request errors); nothing follows.
    pub fn error(self, id: &str, errors: &[GraphQLError]) -> String {
        let payload = serde_json::to_vec(errors).unwrap_or_else(|_| b"[]".to_vec());
        self.message("error", id, &payload)
    }

    pub fn complete(self, id: &str) -> String {
        self.message("complete", id, b"")
    }

    /// Legacy only: the refusal of `connection_init`, sent before the socket closes.
    pub fn connection_error(self, message: &str) -> Option<String> {
        (self == Protocol::Legacy).then(|| {
            serde_json::json!({"type": "connection_error", "payload": {"message": message}})
                .to_string()
        })
    }

    fn message(self, kind: &str, id: &str, payload: &[u8]) -> String {
        let mut out = Vec::with_capacity(payload.len() + id.len() + 40);
        out.extend_from_slice(b"{\"type\":\"");
        out.extend_from_slice(kind.as_bytes());
        out.extend_from_slice(b"\",\"id\":");
        write_json_str(&mut out, id);
        if !payload.is_empty() {
            out.extend_from_slice(b",\"payload\":");
            out.extend_from_slice(payload);
        }
        out.push(b'}');
        // Built from a JSON-escaped id and JSON payloads: valid UTF-8.
        String::from_utf8(out).unwrap_or_default()
    }
}

/// WebSocket close reasons must fit in 123 bytes.
pub fn truncate(mut reason: String) -> String {
    if reason.len() > 120 {
        let mut end = 117;
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        reason.truncate(end);
        reason.push_str("...");
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_the_clients_order_and_defaults_to_transport_ws() {
        assert_eq!(
            Protocol::negotiate(["graphql-ws", "graphql-transport-ws"]),
            Some(Protocol::Legacy)
        );
        assert_eq!(
            Protocol::negotiate(["soap", "graphql-transport-ws"]),
            Some(Protocol::TransportWs)
        );
        assert_eq!(Protocol::negotiate([]), Some(Protocol::TransportWs));
        assert_eq!(Protocol::negotiate(["soap"]), None);
    }

    #[test]
    fn messages_are_mapped_per_protocol() {
        let legacy = Protocol::Legacy;
        assert!(matches!(
            legacy.parse(r#"{"type":"start","id":"a","payload":{"query":"{ a }"}}"#),
            Ok(ClientMessage::Subscribe { id, .. }) if id == "a"
        ));
        assert!(legacy.parse(r#"{"type":"subscribe","id":"a"}"#).is_err());
        assert!(
            Protocol::TransportWs
                .parse(r#"{"type":"complete"}"#)
                .is_err()
        );
        assert_eq!(
            Protocol::TransportWs.next("x\"1", br#"{"data":{}}"#),
            r#"{"type":"next","id":"x\"1","payload":{"data":{}}}"#
        );
        assert_eq!(legacy.complete("7"), r#"{"type":"complete","id":"7"}"#);
    }

    #[test]
    fn close_reasons_are_cut_on_a_char_boundary() {
        let reason = truncate("é".repeat(100));
        assert!(reason.len() <= 123);
        assert!(reason.ends_with("..."));
    }
}
