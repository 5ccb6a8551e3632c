//! WebSocket clients at `/graphql`: the upgrade, then one connection loop per socket that
//! reads client messages, authenticates `connection_init`, starts and stops operations, sends
//! keep-alives and closes the socket with the protocol's codes. Operations run in their own
//! tasks ([`super::ws_operation`]) and write through one bounded queue to a writer task.
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::pin::pin;
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State, WebSocketUpgrade};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use futures::stream::SplitStream;
use hyper::header::{CONNECTION, HeaderMap, SEC_WEBSOCKET_PROTOCOL, UPGRADE};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use super::protocol::{ClientMessage, Protocol, close};
use super::ws_operation::{Operation, Session};
use super::ws_writer::{CLOSE_TIMEOUT, Outbox, Outgoing, close_frame, write_loop};
use crate::graphql_error::{GraphQLError, codes};
use crate::pipeline::GraphQLRequest;
use crate::state::RouterState;

/// Middleware on `/graphql`: a WebSocket upgrade becomes a subscription socket (before the
/// HTTP authentication, since a socket authenticates with `connection_init`); anything else
/// goes on to the HTTP handlers.
pub async fn upgrade_or_pass(
    State(state): State<Arc<RouterState>>,
    request: Request,
    next: Next,
) -> Response {
    if !state.pipeline.config.subscriptions.enabled || !wants_websocket(request.headers()) {
        return next.run(request).await;
    }
    let client_ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let Some(permit) = state.streams.acquire(client_ip) else {
        return super::too_many_streams();
    };
    let (mut parts, _body) = request.into_parts();
    let requested = requested_protocols(&parts.headers);
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let protocol = Protocol::negotiate(requested.iter().map(String::as_str));
    let upgrade = upgrade
        .max_message_size(state.pipeline.config.body_limit_bytes)
        .read_buffer_size(crate::subgraph::websocket::SOCKET_READ_BUFFER)
        .protocols(protocol.map(Protocol::name));
    let headers = parts.headers;
    upgrade.on_upgrade(move |socket| async move {
        let _permit = permit;
        match protocol {
            Some(protocol) => {
                Connection::new(state, protocol, headers, client_ip)
                    .serve(socket)
                    .await
            }
            None => reject(socket).await,
        }
    })
}

fn wants_websocket(headers: &HeaderMap) -> bool {
    let has = |name, token: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|v| v.trim().eq_ignore_ascii_case(token))
    };
    has(UPGRADE, "websocket") && has(CONNECTION, "upgrade")
}

/// The client's subprotocols in its order of preference.
fn requested_protocols(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect()
}

async fn reject(mut socket: WebSocket) {
    let frame = close_frame(
        close::SUBPROTOCOL_NOT_ACCEPTABLE,
        "Subprotocol not acceptable",
    );
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, socket.send(Message::Close(frame))).await;
}

/// How the connection loop ended.
enum Ending {
    /// Close with this code after what is already queued.
    Close(u16, String),
    /// The client is not reading: close at once, dropping what is queued.
    Drop(u16, String),
    /// The client closed the socket or it broke.
    Gone,
}

struct Connection {
    state: Arc<RouterState>,
    protocol: Protocol,
    upgrade_headers: HeaderMap,
    client_ip: Option<IpAddr>,
    session: Option<Arc<Session>>,
    expires: Option<Instant>,
    /// Running operations by client id, with the generation that tells a reused id apart.
    operations: HashMap<String, (u64, CancellationToken)>,
    generation: u64,
    finished_tx: mpsc::UnboundedSender<(String, u64)>,
    finished_rx: mpsc::UnboundedReceiver<(String, u64)>,
}

impl Connection {
    fn new(
        state: Arc<RouterState>,
        protocol: Protocol,
        upgrade_headers: HeaderMap,
        client_ip: Option<IpAddr>,
    ) -> Connection {
        let (finished_tx, finished_rx) = mpsc::unbounded_channel();
        Connection {
            state,
            protocol,
            upgrade_headers,
            client_ip,
            session: None,
            expires: None,
            operations: HashMap::new(),
            generation: 0,
            finished_tx,
            finished_rx,
        }
    }

    async fn serve(mut self, socket: WebSocket) {
        let state = self.state.clone();
        let _open = state.pipeline.metrics.subscriptions.websocket_opened();
        let (sink, mut stream) = socket.split();
        let (queue, queue_rx) = mpsc::channel(state.pipeline.config.subscriptions.queue_capacity());
        let (abort_tx, abort_rx) = oneshot::channel();
        let writer = tokio::spawn(write_loop(sink, queue_rx, abort_rx));
        let outbox = Outbox {
            queue: queue.clone(),
            too_slow: CancellationToken::new(),
        };
        let ending = self.read_loop(&mut stream, &outbox).await;
        for (_, (_, operation)) in self.operations.drain() {
            operation.cancel();
        }
        match ending {
            Ending::Close(code, reason) => {
                let frame = close_frame(code, &reason);
                let _ =
                    tokio::time::timeout(CLOSE_TIMEOUT, queue.send(Outgoing::Close(frame))).await;
            }
            Ending::Drop(code, reason) => {
                state
                    .pipeline
                    .metrics
                    .subscriptions
                    .clients_dropped
                    .increment(1);
                let _ = abort_tx.send(close_frame(code, &reason));
            }
            Ending::Gone => {}
        }
        drop((queue, outbox));
        let mut writer = writer;
        if tokio::time::timeout(CLOSE_TIMEOUT * 2, &mut writer)
            .await
            .is_err()
        {
            writer.abort();
        }
    }

    async fn read_loop(&mut self, stream: &mut SplitStream<WebSocket>, outbox: &Outbox) -> Ending {
        let config = &self.state.pipeline.config.subscriptions;
        let mut init_deadline = pin!(tokio::time::sleep(config.connection_init_timeout()));
        let interval = config.keepalive_interval();
        let mut keepalive = tokio::time::interval_at(Instant::now() + interval, interval);
        keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let client_timeout = config.client_timeout();
        let mut last_heard = Instant::now();
        let shutdown = self.state.shutdown.clone();
        let too_slow = outbox.too_slow.clone();
        loop {
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => {
                    return Ending::Close(close::GOING_AWAY, "The router is shutting down".into());
                }
                _ = too_slow.cancelled() => {
                    return Ending::Drop(
                        close::POLICY_VIOLATION,
                        "Client too slow: it did not read its messages".into(),
                    );
                }
                _ = &mut init_deadline, if self.session.is_none() => {
                    return Ending::Close(
                        close::INIT_TIMEOUT,
                        "Connection initialisation timeout".into(),
                    );
                }
                _ = super::execute::expiry(self.expires) => {
                    return Ending::Close(
                        close::FORBIDDEN,
                        "Forbidden: the access token expired".into(),
                    );
                }
                Some((id, generation)) = self.finished_rx.recv() => {
                    if self.operations.get(&id).is_some_and(|(g, _)| *g == generation) {
                        self.operations.remove(&id);
                    }
                }
                _ = keepalive.tick(), if self.session.is_some() => {
                    if last_heard.elapsed() >= client_timeout {
                        return Ending::Drop(
                            close::GOING_AWAY,
                            "The client stopped answering".into(),
                        );
                    }
                    let _ = outbox.push(self.protocol.keepalive());
                    let _ = outbox.ping();
                }
                frame = stream.next() => match frame.inspect(|_| last_heard = Instant::now()) {
                    Some(Ok(Message::Text(text))) => {
                        if let Some((code, reason)) = self.on_message(text.as_str(), outbox).await {
                            return Ending::Close(code, reason);
                        }
                    }
                    Some(Ok(Message::Binary(_))) => {
                        return Ending::Close(
                            close::BAD_REQUEST,
                            "Binary messages are not supported".into(),
                        );
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return Ending::Gone,
                },
            }
        }
    }

    /// Handles one client message; `Some` closes the socket with that code and reason.
    async fn on_message(&mut self, text: &str, outbox: &Outbox) -> Option<(u16, String)> {
        let message = match self.protocol.parse(text) {
            Ok(message) => message,
            Err(reason) => return Some((close::BAD_REQUEST, reason)),
        };
        match message {
            ClientMessage::ConnectionInit(payload) => {
                if self.session.is_some() {
                    return Some((
                        close::TOO_MANY_INITS,
                        "Too many initialisation requests".into(),
                    ));
                }
                match Session::establish(&self.state, &self.upgrade_headers, payload).await {
                    Ok(session) => {
                        self.expires = super::token_deadline(
                            &session.caller,
                            self.state.pipeline.config.auth.leeway_secs,
                        );
                        self.session = Some(Arc::new(session));
                        let _ = outbox.push(self.protocol.ack());
                        if self.protocol == Protocol::Legacy {
                            let _ = outbox.push(self.protocol.keepalive());
                        }
                    }
                    Err((code, reason)) => {
                        if let Some(message) = self.protocol.connection_error(&reason) {
                            let _ = outbox.push(message);
                        }
                        return Some((code, reason));
                    }
                }
            }
            ClientMessage::Subscribe { id, request } => {
                return self.subscribe(id, request, outbox);
            }
            ClientMessage::Complete { id } => {
                if let Some((_, operation)) = self.operations.remove(&id) {
                    operation.cancel();
                }
            }
            ClientMessage::Ping(payload) => {
                let _ = outbox.push(self.protocol.pong(payload));
            }
            ClientMessage::Pong => {}
            ClientMessage::Terminate => return Some((close::NORMAL, String::new())),
        }
        None
    }

    fn subscribe(
        &mut self,
        id: String,
        request: GraphQLRequest,
        outbox: &Outbox,
    ) -> Option<(u16, String)> {
        let Some(session) = self.session.clone() else {
            return Some((close::UNAUTHORIZED, "Unauthorized".into()));
        };
        if let Some((_, running)) = self.operations.get(&id) {
            if self.protocol == Protocol::TransportWs {
                return Some((
                    close::SUBSCRIBER_EXISTS,
                    format!("Subscriber for {id} already exists"),
                ));
            }
            // subscriptions-transport-ws replaces an operation restarted under its id.
            running.cancel();
        }
        let limit = self
            .state
            .pipeline
            .config
            .subscriptions
            .max_subscriptions_per_connection;
        if self.operations.len() >= limit {
            let error = GraphQLError::with_code(
                format!("This connection already runs {limit} operations."),
                codes::TOO_MANY_SUBSCRIPTIONS,
            );
            let _ = outbox.push(self.protocol.error(&id, &[error]));
            return None;
        }
        self.generation += 1;
        let cancel = self.state.shutdown.child_token();
        self.operations
            .insert(id.clone(), (self.generation, cancel.clone()));
        let operation = Operation {
            state: self.state.clone(),
            protocol: self.protocol,
            session,
            client_ip: self.client_ip,
            id: id.clone(),
            outbox: outbox.clone(),
            cancel,
        };
        let finished = self.finished_tx.clone();
        let generation = self.generation;
        tokio::spawn(async move {
            operation.run(request).await;
            let _ = finished.send((id, generation));
        });
        None
    }
}
