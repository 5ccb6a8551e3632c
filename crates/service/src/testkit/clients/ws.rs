//! A GraphQL WebSocket client for both subprotocols: graphql-transport-ws and the
//! legacy graphql-ws of subscriptions-transport-ws.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderName;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::MESSAGE_TIMEOUT;

/// The graphql-transport-ws subprotocol.
pub const TRANSPORT_WS: &str = "graphql-transport-ws";
/// The legacy graphql-ws subprotocol (subscriptions-transport-ws).
pub const LEGACY_WS: &str = "graphql-ws";

/// The WebSocket address of a GraphQL endpoint served over HTTP at `http_url`: servers
/// take both on the same path.
pub fn ws_url(http_url: &str) -> String {
    if let Some(rest) = http_url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else {
        http_url.replacen("http://", "ws://", 1)
    }
}

/// One GraphQL WebSocket connection. The message kinds that differ between the
/// subprotocols (`subscribe`/`start`, `next`/`data`, `complete`/`stop`) follow the one
/// the socket was opened with.
pub struct Socket {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    legacy: bool,
}

impl Socket {
    /// Opens a socket speaking `protocol`, with extra upgrade headers, without
    /// initialising it: tests of the handshake send their own `connection_init`.
    pub async fn open(ws_url: &str, protocol: &str, headers: &[(&str, &str)]) -> Socket {
        let mut request = ws_url.into_client_request().unwrap();
        request
            .headers_mut()
            .insert("sec-websocket-protocol", protocol.parse().unwrap());
        for (name, value) in headers {
            let name: HeaderName = name.parse().unwrap();
            request.headers_mut().insert(name, value.parse().unwrap());
        }
        let (stream, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the WebSocket upgrade succeeds");
        assert_eq!(response.headers()["sec-websocket-protocol"], protocol);
        Socket {
            stream,
            legacy: protocol == LEGACY_WS,
        }
    }

    /// A graphql-transport-ws socket at `ws_url` (see [`ws_url`]), initialised with
    /// `token` in the payload if given.
    pub async fn connect(ws_url: &str, token: Option<&str>) -> Socket {
        let mut socket = Socket::open(ws_url, TRANSPORT_WS, &[]).await;
        let ack = socket.init(token).await;
        assert_eq!(ack["type"], "connection_ack", "{ack:#}");
        socket
    }

    /// Sends `connection_init` and returns the answer, which a refusal makes something
    /// other than `connection_ack`.
    pub async fn init(&mut self, token: Option<&str>) -> Value {
        let payload = match token {
            Some(token) => json!({ "Authorization": format!("Bearer {token}") }),
            None => json!({}),
        };
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        self.recv().await
    }

    /// Starts operation `id`. Nothing acknowledges it: the server hears events from the
    /// moment the subscription is live there.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let kind = if self.legacy { "start" } else { "subscribe" };
        self.send(json!({
            "id": id,
            "type": kind,
            "payload": { "query": query, "variables": variables },
        }))
        .await;
    }

    /// Stops operation `id` from the client's side.
    pub async fn complete(&mut self, id: &str) {
        let kind = if self.legacy { "stop" } else { "complete" };
        self.send(json!({ "id": id, "type": kind })).await;
    }

    /// The next message other than keep-alives (pings are answered, so the server keeps
    /// the socket open however long the test reads).
    pub async fn recv(&mut self) -> Value {
        loop {
            let message = self.frame().await;
            let Message::Text(text) = message else {
                assert!(
                    !matches!(message, Message::Close(_)),
                    "the socket closed: {message:?}"
                );
                continue;
            };
            let value: Value = serde_json::from_str(&text).unwrap();
            match value["type"].as_str() {
                Some("ping") => self.send(json!({ "type": "pong" })).await,
                Some("ka") => {}
                _ => return value,
            }
        }
    }

    /// The next result of operation `id`, which must have no errors.
    pub async fn next_data(&mut self, id: &str) -> Value {
        let message = self.recv().await;
        let kind = if self.legacy { "data" } else { "next" };
        assert_eq!(message["type"], kind, "{message:#}");
        assert_eq!(message["id"], id, "{message:#}");
        assert!(message["payload"].get("errors").is_none(), "{message:#}");
        message["payload"]["data"].clone()
    }

    /// The code of the error operation `id` was refused or ended with. A refusal may come
    /// as an `error` message, or as a result with errors that must then be followed by the
    /// operation's completion.
    pub async fn refusal_code(&mut self, id: &str) -> String {
        let message = self.recv().await;
        let next = if self.legacy { "data" } else { "next" };
        let errors = match message["type"].as_str() {
            Some(kind) if kind == next => message["payload"]["errors"].clone(),
            Some("error") => message["payload"].clone(),
            _ => panic!("expected an error, got {message:#}"),
        };
        assert_eq!(message["id"], id, "{message:#}");
        let code = errors[0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("an error with a code: {message:#}"))
            .to_string();
        if message["type"] == next {
            let complete = self.recv().await;
            assert_eq!(complete["type"], "complete", "{complete:#}");
            assert_eq!(complete["id"], id, "{complete:#}");
        }
        code
    }

    /// Reads until the socket closes; the close code and reason. 1005 stands for a close
    /// frame without a code, 1006 for a connection that ended without one.
    pub async fn closed(&mut self) -> (u16, String) {
        loop {
            match tokio::time::timeout(MESSAGE_TIMEOUT, self.stream.next())
                .await
                .expect("the socket closes before the timeout")
            {
                Some(Ok(Message::Close(Some(frame)))) => {
                    return (u16::from(frame.code), frame.reason.to_string());
                }
                Some(Ok(Message::Close(None))) => return (1005, String::new()),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return (1006, String::new()),
            }
        }
    }

    /// Waits up to `limit` for the server to close the socket (a close frame, the end of
    /// the stream or a broken connection); `false` if it stays open. Unlike [`closed`],
    /// staying open is an answer here, not a failure.
    ///
    /// [`closed`]: Socket::closed
    pub async fn closes_within(&mut self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => return false,
                Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return true,
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// Sends `message` as it is, so tests can send what the helpers above would not
    /// (malformed or out-of-order messages).
    pub async fn send(&mut self, message: Value) {
        self.stream
            .send(Message::text(message.to_string()))
            .await
            .expect("the socket accepts a message");
    }

    async fn frame(&mut self) -> Message {
        tokio::time::timeout(MESSAGE_TIMEOUT, self.stream.next())
            .await
            .expect("a message before the timeout")
            .expect("the socket stays open")
            .expect("a readable message")
    }
}
