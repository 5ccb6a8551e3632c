//! One subscriber: a WebSocket to the router speaking graphql-transport-ws, as the
//! playground's `graphql-ws` client does. Connecting (upgrade, `connection_init`,
//! `connection_ack`) and subscribing are separate steps so the run can measure the
//! router's memory in between. Every `next` is logged with the moment it was read.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A socket the router has acknowledged (`connection_ack`), nothing subscribed yet.
pub struct Connected {
    socket: Socket,
}

/// One update as the subscriber read it.
pub struct Received {
    pub order_id: String,
    pub status: String,
    /// The status change's time, as the update carries it (`at`).
    pub at: DateTime<Utc>,
    /// When this subscriber read the message off its socket.
    pub arrived: DateTime<Utc>,
}

/// What a subscriber has read so far; the run polls it while the subscriber writes.
#[derive(Default)]
pub struct Log {
    pub received: Vec<Received>,
    /// The first error payload or protocol problem, if any.
    pub failure: Option<String>,
    /// Why the stream ended before the run stopped it.
    pub ended: Option<String>,
}

pub type SharedLog = Arc<Mutex<Log>>;

/// Upgrade with the `graphql-transport-ws` subprotocol, `connection_init` with the
/// token, and wait for `connection_ack`.
pub async fn connect(ws_url: &str, token: &str, timeout: Duration) -> anyhow::Result<Connected> {
    let handshake = async {
        let mut request = ws_url.into_client_request()?;
        request.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        let (mut socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .with_context(|| format!("connecting to {ws_url}"))?;
        let init = json!({
            "type": "connection_init",
            "payload": { "Authorization": format!("Bearer {token}") },
        });
        socket.send(Message::text(init.to_string())).await?;
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    let message: Value = serde_json::from_str(text.as_str())?;
                    match message["type"].as_str() {
                        Some("connection_ack") => return Ok(Connected { socket }),
                        Some("ping") => socket.send(Message::text(PONG)).await?,
                        _ => bail!("unexpected message before connection_ack: {text}"),
                    }
                }
                Some(Ok(Message::Close(frame))) => bail!("closed before connection_ack: {frame:?}"),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
                None => bail!("connection closed before connection_ack"),
            }
        }
    };
    tokio::time::timeout(timeout, handshake)
        .await
        .context("no connection_ack in time")?
}

const PONG: &str = r#"{"type":"pong"}"#;

impl Connected {
    /// Subscribes with `query` and reads until `stop` turns true; everything read goes
    /// to the returned log.
    pub fn subscribe(
        mut self,
        query: Arc<str>,
        mut stop: watch::Receiver<bool>,
    ) -> (SharedLog, JoinHandle<()>) {
        let log = SharedLog::default();
        let shared = log.clone();
        let task = tokio::spawn(async move {
            let subscribe = json!({
                "id": "1",
                "type": "subscribe",
                "payload": { "query": &*query },
            });
            if let Err(e) = self.socket.send(Message::text(subscribe.to_string())).await {
                shared.lock().unwrap().ended = Some(format!("subscribe not sent: {e}"));
                return;
            }
            loop {
                let frame = tokio::select! {
                    _ = stop.wait_for(|stop| *stop) => break,
                    frame = self.socket.next() => frame,
                };
                // Taken before any parsing: the delay is the router's, not ours.
                let arrived = Utc::now();
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(frame))) => {
                        shared.lock().unwrap().ended =
                            Some(format!("closed by the router: {frame:?}"));
                        return;
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => {
                        shared.lock().unwrap().ended = Some(format!("socket error: {e}"));
                        return;
                    }
                    None => {
                        shared.lock().unwrap().ended = Some("socket closed".into());
                        return;
                    }
                };
                match on_text(text.as_str(), arrived) {
                    Incoming::Update(update) => shared.lock().unwrap().received.push(update),
                    Incoming::Ping => {
                        let _ = self.socket.send(Message::text(PONG)).await;
                    }
                    Incoming::Ignored => {}
                    Incoming::Failure(failure) => {
                        shared.lock().unwrap().failure.get_or_insert(failure);
                    }
                    Incoming::End(why) => {
                        shared.lock().unwrap().ended = Some(why);
                        return;
                    }
                }
            }
            let _ = tokio::time::timeout(Duration::from_secs(1), self.socket.close(None)).await;
        });
        (log, task)
    }
}

enum Incoming {
    Update(Received),
    Ping,
    Ignored,
    Failure(String),
    End(String),
}

fn on_text(text: &str, arrived: DateTime<Utc>) -> Incoming {
    let Ok(mut message) = serde_json::from_str::<Value>(text) else {
        return Incoming::Failure(format!("not JSON: {text}"));
    };
    match message["type"].as_str() {
        Some("next") => {}
        Some("ping") => return Incoming::Ping,
        Some("complete") => return Incoming::End("the router completed the stream".into()),
        Some("error") => return Incoming::End(format!("error: {}", message["payload"])),
        _ => return Incoming::Ignored,
    }
    let payload = message["payload"].take();
    if let Some(errors) = payload.get("errors") {
        return Incoming::Failure(format!("errors: {errors}"));
    }
    // The one root field, whatever the subscription's name.
    let update = payload["data"]
        .as_object()
        .and_then(|data| data.values().next())
        .cloned()
        .unwrap_or(Value::Null);
    let order_id = update["order"]["id"].as_str().map(str::to_lowercase);
    let status = update["status"].as_str().map(str::to_string);
    let at = update["at"]
        .as_str()
        .and_then(|at| DateTime::parse_from_rfc3339(at).ok());
    match (order_id, status, at) {
        (Some(order_id), Some(status), Some(at)) => Incoming::Update(Received {
            order_id,
            status,
            at: at.with_timezone(&Utc),
            arrived,
        }),
        _ => Incoming::Failure(format!(
            "an update without order {{ id }}, status and at: {payload}"
        )),
    }
}
