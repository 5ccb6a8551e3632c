//! A graphql-transport-ws client for the tests: one subscription per socket.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for the next message before failing.
pub const MESSAGE_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Socket {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Socket {
    /// Connects to `http_url` (`http://…/graphql`) and completes the
    /// handshake, with `token` in the `connection_init` payload if given.
    pub async fn connect(http_url: &str, token: Option<&str>) -> Self {
        let ws_url = http_url.replacen("http://", "ws://", 1);
        let mut request = ws_url.into_client_request().unwrap();
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (stream, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the WebSocket upgrade succeeds");
        assert_eq!(
            response.headers()["sec-websocket-protocol"],
            "graphql-transport-ws"
        );
        let mut socket = Self { stream };
        let payload = match token {
            Some(token) => json!({ "Authorization": format!("Bearer {token}") }),
            None => json!({}),
        };
        socket
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        let ack = socket.recv().await;
        assert_eq!(ack["type"], "connection_ack", "{ack:#}");
        socket
    }

    pub async fn subscribe(&mut self, query: &str, variables: Value) {
        self.send(json!({
            "id": "1",
            "type": "subscribe",
            "payload": { "query": query, "variables": variables },
        }))
        .await;
    }

    /// The next `next`, `error` or `complete` message (pings are answered).
    pub async fn recv(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(MESSAGE_TIMEOUT, self.stream.next())
                .await
                .expect("a message before the timeout")
                .expect("the socket stays open")
                .expect("a readable message");
            let Message::Text(text) = message else {
                continue;
            };
            let value: Value = serde_json::from_str(&text).unwrap();
            if value["type"] == "ping" {
                self.send(json!({ "type": "pong" })).await;
                continue;
            }
            return value;
        }
    }

    /// The next event's `data`, failing on anything else.
    pub async fn next_data(&mut self) -> Value {
        let message = self.recv().await;
        assert_eq!(message["type"], "next", "{message:#}");
        assert!(message["payload"].get("errors").is_none(), "{message:#}");
        message["payload"]["data"].clone()
    }

    /// The error code the subscription ended with; it must then complete.
    pub async fn refusal_code(&mut self) -> String {
        let message = self.recv().await;
        let errors = match message["type"].as_str() {
            Some("next") => message["payload"]["errors"].clone(),
            Some("error") => message["payload"].clone(),
            _ => panic!("expected an error, got {message:#}"),
        };
        let code = errors[0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("an error with a code: {message:#}"))
            .to_string();
        if message["type"] == "next" {
            let complete = self.recv().await;
            assert_eq!(complete["type"], "complete", "{complete:#}");
        }
        code
    }

    /// Waits up to `limit` for the server to close the socket (a close frame,
    /// the end of the stream or a broken connection); `false` if it stays open.
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

    async fn send(&mut self, message: Value) {
        self.stream
            .send(Message::text(message.to_string()))
            .await
            .expect("the socket accepts a message");
    }
}
