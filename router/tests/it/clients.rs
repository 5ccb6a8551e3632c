//! Test clients for the router's streaming transports: a WebSocket client for both
//! subprotocols, and readers of SSE and multipart response bodies.
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for the next message before failing.
pub const MESSAGE_TIMEOUT: Duration = Duration::from_secs(10);

pub const TRANSPORT_WS: &str = "graphql-transport-ws";
pub const LEGACY_WS: &str = "graphql-ws";

pub struct Socket {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    legacy: bool,
}

impl Socket {
    /// Opens a socket speaking `protocol`, with extra upgrade headers.
    pub async fn open(ws_url: &str, protocol: &str, headers: &[(&str, &str)]) -> Socket {
        let mut request = ws_url.into_client_request().unwrap();
        request
            .headers_mut()
            .insert("sec-websocket-protocol", protocol.parse().unwrap());
        for (name, value) in headers {
            let name: axum::http::HeaderName = name.parse().unwrap();
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

    /// A graphql-transport-ws socket, initialised (with `token` in the payload if given).
    pub async fn connect(ws_url: &str, token: Option<&str>) -> Socket {
        let mut socket = Socket::open(ws_url, TRANSPORT_WS, &[]).await;
        let ack = socket.init(token).await;
        assert_eq!(ack["type"], "connection_ack", "{ack:#}");
        socket
    }

    /// Sends `connection_init` and returns the answer.
    pub async fn init(&mut self, token: Option<&str>) -> Value {
        let payload = match token {
            Some(token) => json!({ "Authorization": format!("Bearer {token}") }),
            None => json!({}),
        };
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        self.recv().await
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let kind = if self.legacy { "start" } else { "subscribe" };
        self.send(json!({
            "id": id,
            "type": kind,
            "payload": { "query": query, "variables": variables },
        }))
        .await;
    }

    pub async fn complete(&mut self, id: &str) {
        let kind = if self.legacy { "stop" } else { "complete" };
        self.send(json!({ "id": id, "type": kind })).await;
    }

    /// The next message other than keep-alives (pings are answered).
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

    /// Reads until the socket closes; the close code and reason.
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

/// Reads a streaming HTTP response chunk by chunk.
pub struct BodyReader {
    response: reqwest::Response,
    buffer: String,
}

impl BodyReader {
    pub fn new(response: reqwest::Response) -> BodyReader {
        BodyReader {
            response,
            buffer: String::new(),
        }
    }

    /// More of the body; `false` at its end.
    async fn fill(&mut self) -> bool {
        let chunk = tokio::time::timeout(MESSAGE_TIMEOUT, self.response.chunk())
            .await
            .expect("more of the body before the timeout")
            .expect("a readable body");
        match chunk {
            Some(bytes) => {
                self.buffer.push_str(std::str::from_utf8(&bytes).unwrap());
                true
            }
            None => false,
        }
    }

    /// The next SSE event as (event, data), skipping comments; `None` at the body's end.
    pub async fn sse_event(&mut self) -> Option<(String, String)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut event, mut data) = (String::new(), String::new());
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event:") {
                        event = value.trim().to_string();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push_str(value.trim_start());
                    }
                }
                if event.is_empty() && data.is_empty() {
                    continue;
                }
                return Some((event, data));
            }
            if !self.fill().await {
                return None;
            }
        }
    }

    /// The next multipart part's JSON (heartbeats `{}` skipped); `None` after the closing
    /// boundary.
    pub async fn multipart_part(&mut self) -> Option<Value> {
        const BOUNDARY: &str = "\r\n--graphql";
        loop {
            // A part is complete once the boundary after it has arrived.
            if let Some(start) = self.buffer.find(BOUNDARY) {
                let rest = &self.buffer[start + BOUNDARY.len()..];
                if rest.starts_with("--") {
                    return None;
                }
                if let Some(next) = rest.find(BOUNDARY) {
                    let part = rest[..next].to_string();
                    self.buffer.drain(..start + BOUNDARY.len() + next);
                    let (headers, body) = part.split_once("\r\n\r\n").expect("part headers");
                    assert!(
                        headers
                            .to_ascii_lowercase()
                            .contains("content-type: application/json"),
                        "{headers}"
                    );
                    let value: Value = serde_json::from_str(body).unwrap();
                    if value == json!({}) {
                        continue;
                    }
                    return Some(value);
                }
            }
            if !self.fill().await {
                panic!("the multipart body ended without its closing boundary");
            }
        }
    }
}
