//! The router's WebSocket to the subgraph that owns a subscription (graphql-transport-ws), one
//! per client subscription: connect with the caller's subgraph headers, `connection_init` with
//! the `Authorization` in its payload (subgraphs read it there), `subscribe`, then events until
//! the subgraph completes or the socket breaks. The router pings the subgraph every keep-alive
//! interval; a subgraph silent for two intervals counts as gone.
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use hyper::Uri;
use hyper::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::time::{Instant, Interval, MissedTickBehavior};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use super::response::{SubgraphResponse, convert_error};
use crate::graphql_error::{GraphQLError, codes};

/// The graphql-ws library's protocol, the one subgraphs are asked for.
pub const TRANSPORT_WS: &str = "graphql-transport-ws";

/// Read buffer of every WebSocket the router holds, to clients and to subgraphs. tungstenite's
/// default, 128 KiB zero-filled at the first read, made an idle client socket cost ~155 KB and a
/// subscription (two sockets) ~300 KB. Subscription messages are small, and a larger frame still
/// arrives whole: the buffer grows to the frame's length.
pub const SOCKET_READ_BUFFER: usize = 4 * 1024;

/// The one operation id the router uses on each subgraph socket.
const ID: &str = "1";
/// How long a closing handshake may take before the socket is just dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// What is needed to open the subgraph's stream.
pub struct UpstreamRequest<'a> {
    pub service: &'a str,
    /// The subgraph's HTTP URL (`http://…/graphql`); the socket uses `ws://` at the same place.
    pub url: &'a Uri,
    /// The headers the caller's subgraph requests carry (identity, propagated, inserted).
    pub headers: &'a HeaderMap,
    pub traceparent: Option<&'a HeaderValue>,
    /// `{"query":…,"variables":{…}}` of the plan's primary fetch.
    pub payload: &'a [u8],
    /// Limit on connecting and the subgraph's `connection_ack`.
    pub timeout: Duration,
    pub keepalive: Duration,
    /// Signs the upgrade request when the subgraphs require it.
    pub signer: Option<&'a mart_auth::RequestSigner>,
    /// For `https://` subgraphs, whose socket is `wss://` (the HTTP client's roots).
    pub tls: &'a std::sync::Arc<rustls::ClientConfig>,
}

pub enum UpstreamEvent {
    /// One event: the subgraph's `next` payload.
    Next(SubgraphResponse),
    /// The subgraph completed the stream.
    Complete,
    /// The subgraph answered `error`, or the stream broke off: the client's errors.
    Failed(Vec<GraphQLError>),
}

pub struct Upstream {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    service: String,
    keepalive: Interval,
    silence_limit: Duration,
    last_heard: Instant,
    finished: bool,
}

#[derive(Deserialize)]
struct ServerMessage {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    payload: Option<Value>,
}

/// Opens the subgraph's stream: connected, acknowledged and subscribed.
pub async fn open(request: UpstreamRequest<'_>) -> Result<Upstream, GraphQLError> {
    let service = request.service;
    match tokio::time::timeout(request.timeout, handshake(&request)).await {
        Ok(result) => result,
        Err(_) => Err(open_failed(
            service,
            &format!(
                "no connection_ack within {} ms",
                request.timeout.as_millis()
            ),
        )),
    }
}

async fn handshake(request: &UpstreamRequest<'_>) -> Result<Upstream, GraphQLError> {
    let service = request.service;
    let unusable = |detail: String| {
        tracing::warn!(subgraph = service, url = %request.url, error = %detail, "subgraph URL unusable for a WebSocket");
        open_failed(service, "the subgraph's URL is not usable")
    };
    let url =
        websocket_url(request.url).ok_or_else(|| unusable("not an http(s) URL".to_string()))?;
    let mut ws_request = url
        .into_client_request()
        .map_err(|e| unusable(e.to_string()))?;
    let headers = ws_request.headers_mut();
    for (name, value) in request.headers {
        if !is_handshake_header(name) {
            headers.append(name.clone(), value.clone());
        }
    }
    if let Some(traceparent) = request.traceparent {
        headers.insert("traceparent", traceparent.clone());
    }
    // The upgrade has no body: the signature covers the empty one.
    if let Some(signature) = request
        .signer
        .and_then(|s| HeaderValue::from_str(&s.sign(b"")).ok())
    {
        headers.insert(mart_auth::SIGNATURE_HEADER, signature);
    }
    headers.insert(
        "sec-websocket-protocol",
        HeaderValue::from_static(TRANSPORT_WS),
    );
    let config = WebSocketConfig::default().read_buffer_size(SOCKET_READ_BUFFER);
    // Nagle off (`true`): pings and pongs are tiny and must not wait for earlier ones' ACKs.
    let (mut socket, response) = tokio_tungstenite::connect_async_tls_with_config(
        ws_request,
        Some(config),
        true,
        Some(Connector::Rustls(request.tls.clone())),
    )
    .await
    .map_err(|e| open_failed(service, &describe(&e)))?;
    let accepted = response
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok());
    if accepted != Some(TRANSPORT_WS) {
        return Err(open_failed(
            service,
            "the subgraph does not speak graphql-transport-ws",
        ));
    }
    let init = match request
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        Some(authorization) => {
            json!({"type": "connection_init", "payload": {"Authorization": authorization}})
        }
        None => json!({"type": "connection_init", "payload": {}}),
    };
    send(&mut socket, init.to_string(), service).await?;
    wait_for_ack(&mut socket, service).await?;
    let mut subscribe = Vec::with_capacity(request.payload.len() + 48);
    subscribe.extend_from_slice(b"{\"id\":\"1\",\"type\":\"subscribe\",\"payload\":");
    subscribe.extend_from_slice(request.payload);
    subscribe.push(b'}');
    // The payload is JSON the router wrote itself.
    let subscribe = String::from_utf8(subscribe).unwrap_or_default();
    send(&mut socket, subscribe, service).await?;
    let mut keepalive =
        tokio::time::interval_at(Instant::now() + request.keepalive, request.keepalive);
    keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
    Ok(Upstream {
        socket,
        service: service.to_string(),
        keepalive,
        silence_limit: request.keepalive * 2,
        last_heard: Instant::now(),
        finished: false,
    })
}

async fn wait_for_ack(
    socket: &mut WebSocketStream<MaybeTlsStream<TcpStream>>,
    service: &str,
) -> Result<(), GraphQLError> {
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => {
                let Ok(message) = serde_json::from_str::<ServerMessage>(&text) else {
                    continue;
                };
                match message.kind.as_str() {
                    "connection_ack" => return Ok(()),
                    "ping" => send(socket, pong(), service).await?,
                    _ => {}
                }
            }
            Some(Ok(Message::Close(frame))) => {
                return Err(open_failed(
                    service,
                    &format!(
                        "the subgraph refused the connection ({})",
                        close_text(&frame)
                    ),
                ));
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(open_failed(service, &describe(&e))),
            None => return Err(open_failed(service, "the subgraph closed the connection")),
        }
    }
}

impl Upstream {
    /// The next event. Answers the subgraph's pings and pings it in between.
    pub async fn next(&mut self) -> UpstreamEvent {
        if self.finished {
            return UpstreamEvent::Complete;
        }
        let event = self.read().await;
        if !matches!(event, UpstreamEvent::Next(_)) {
            self.finished = true;
        }
        event
    }

    async fn read(&mut self) -> UpstreamEvent {
        loop {
            tokio::select! {
                frame = self.socket.next() => {
                    self.last_heard = Instant::now();
                    match frame {
                        Some(Ok(Message::Text(text))) => {
                            if let Some(event) = self.on_text(&text).await {
                                return event;
                            }
                        }
                        Some(Ok(Message::Close(frame))) => {
                            return self.lost(&format!("closed ({})", close_text(&frame)));
                        }
                        Some(Ok(_)) => {}
                        Some(Err(e)) => return self.lost(&describe(&e)),
                        None => return self.lost("the connection closed"),
                    }
                }
                _ = self.keepalive.tick() => {
                    if self.last_heard.elapsed() > self.silence_limit {
                        return self.lost("the subgraph stopped answering pings");
                    }
                    if let Err(e) = self.socket.send(Message::text(r#"{"type":"ping"}"#)).await {
                        return self.lost(&describe(&e));
                    }
                }
            }
        }
    }

    async fn on_text(&mut self, text: &str) -> Option<UpstreamEvent> {
        let Ok(message) = serde_json::from_str::<ServerMessage>(text) else {
            return Some(self.lost("the subgraph sent a message that is not JSON"));
        };
        let ours = message.id.as_deref() == Some(ID);
        match message.kind.as_str() {
            "next" if ours => {
                let payload = message.payload.unwrap_or(Value::Null);
                Some(match serde_json::from_value::<SubgraphResponse>(payload) {
                    Ok(response) => UpstreamEvent::Next(response),
                    Err(e) => self.lost(&format!("the subgraph sent an invalid result: {e}")),
                })
            }
            "error" if ours => {
                let errors = match message.payload {
                    Some(Value::Array(errors)) => errors,
                    Some(other) => vec![other],
                    None => Vec::new(),
                };
                Some(UpstreamEvent::Failed(
                    errors
                        .into_iter()
                        .map(|raw| self.subgraph_error(raw))
                        .collect(),
                ))
            }
            "complete" if ours => Some(UpstreamEvent::Complete),
            "ping" => match self.socket.send(Message::text(pong())).await {
                Ok(()) => None,
                Err(e) => Some(self.lost(&describe(&e))),
            },
            _ => None,
        }
    }

    /// A subgraph error, minus its path: subgraph paths mean nothing to the client.
    fn subgraph_error(&self, raw: Value) -> GraphQLError {
        convert_error(raw, &self.service, &|_| None)
    }

    fn lost(&self, reason: &str) -> UpstreamEvent {
        UpstreamEvent::Failed(vec![
            GraphQLError::with_code(
                format!(
                    "The subscription's stream from '{}' broke off: {reason}.",
                    self.service
                ),
                codes::SUBSCRIPTION_UPSTREAM_CLOSED,
            )
            .extension("serviceName", Value::String(self.service.clone())),
        ])
    }

    /// Ends the subgraph's stream (`complete`, then a normal close) unless it already ended.
    pub async fn complete(mut self) {
        let socket = &mut self.socket;
        let finished = self.finished;
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, async move {
            if !finished {
                let _ = socket
                    .send(Message::text(r#"{"id":"1","type":"complete"}"#))
                    .await;
            }
            let _ = socket.close(None).await;
        })
        .await;
    }
}

async fn send(
    socket: &mut WebSocketStream<MaybeTlsStream<TcpStream>>,
    text: String,
    service: &str,
) -> Result<(), GraphQLError> {
    socket
        .send(Message::text(text))
        .await
        .map_err(|e| open_failed(service, &describe(&e)))
}

fn pong() -> String {
    r#"{"type":"pong"}"#.to_string()
}

/// The error a client gets when the subgraph's stream could not be opened.
fn open_failed(service: &str, reason: &str) -> GraphQLError {
    GraphQLError::with_code(
        format!("Cannot subscribe through '{service}': {reason}."),
        codes::SUBGRAPH_REQUEST_FAILED,
    )
    .extension("serviceName", Value::String(service.to_string()))
}

/// `ws://` for `http://`, `wss://` for `https://`, same authority and path.
fn websocket_url(url: &Uri) -> Option<String> {
    let scheme = match url.scheme_str()? {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        _ => return None,
    };
    let authority = url.authority()?;
    let path = url.path_and_query().map_or("/", |p| p.as_str());
    Some(format!("{scheme}://{authority}{path}"))
}

/// Headers the WebSocket handshake sets itself; a propagated copy would break it.
fn is_handshake_header(name: &HeaderName) -> bool {
    let name = name.as_str();
    matches!(
        name,
        "host" | "connection" | "upgrade" | "content-length" | "content-type" | "transfer-encoding"
    ) || name.starts_with("sec-websocket-")
}

fn close_text(frame: &Option<CloseFrame>) -> String {
    match frame {
        Some(frame) if frame.reason.is_empty() => format!("code {}", u16::from(frame.code)),
        Some(frame) => format!("code {}: {}", u16::from(frame.code), frame.reason),
        None => "no close code".to_string(),
    }
}

/// What a client may be told of a WebSocket error; the transport's own text (addresses, OS
/// errors) goes to the log.
fn describe(error: &WsError) -> String {
    match error {
        WsError::Http(response) => format!("the subgraph answered HTTP {}", response.status()),
        other => {
            tracing::warn!(error = %other, "subgraph WebSocket failed");
            "the subgraph could not be reached".to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_urls_keep_authority_and_path() {
        let url: Uri = "http://127.0.0.1:4004/graphql".parse().unwrap();
        assert_eq!(
            websocket_url(&url).as_deref(),
            Some("ws://127.0.0.1:4004/graphql")
        );
        let url: Uri = "https://orders.internal/api/graphql?x=1".parse().unwrap();
        assert_eq!(
            websocket_url(&url).as_deref(),
            Some("wss://orders.internal/api/graphql?x=1")
        );
    }
}
