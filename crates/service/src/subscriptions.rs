//! Subscriptions over WebSocket at `/graphql` (graphql-transport-ws, and the
//! legacy graphql-ws subprotocol), next to the HTTP endpoint at the same path.
//!
//! A socket authenticates like an HTTP request: the bearer token comes from the
//! `connection_init` payload (`{"Authorization": "Bearer …"}`), else from the
//! upgrade request's `Authorization` header. A bad token refuses the
//! connection; no token means anonymous (and `UNAUTHENTICATED` per operation).

use std::sync::Arc;

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::{Data, ErrorExtensions, ObjectType, Schema, SubscriptionType};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::Router;
use axum::extract::{FromRequestParts, Request, State, WebSocketUpgrade};
use axum::http::header::{AUTHORIZATION, UPGRADE};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use mart_auth::Verifier;
use tokio_util::sync::CancellationToken;

use crate::identity::{self, AccessToken, Identity};

/// `/graphql` over HTTP (see [`crate::graphql::routes_with_verifier`]) and
/// over WebSocket, both authenticated by `verifier`. Open sockets are closed
/// when `shutdown` is cancelled.
pub fn routes<Q, M, S>(
    schema: Schema<Q, M, S>,
    verifier: Arc<Verifier>,
    shutdown: CancellationToken,
) -> Router
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let http = crate::graphql::routes_with_verifier(schema.clone(), verifier.clone());
    // Upgrades are taken before routing: the shared router only knows GET and
    // POST as plain HTTP.
    http.layer(from_fn_with_state(
        Sockets {
            schema,
            verifier,
            shutdown,
        },
        upgrade_or_pass::<Q, M, S>,
    ))
}

struct Sockets<Q, M, S> {
    schema: Schema<Q, M, S>,
    verifier: Arc<Verifier>,
    shutdown: CancellationToken,
}

// A derive would demand `Q: Clone` and so on; only the Arcs inside are cloned.
impl<Q, M, S> Clone for Sockets<Q, M, S> {
    fn clone(&self) -> Self {
        Self {
            schema: self.schema.clone(),
            verifier: self.verifier.clone(),
            shutdown: self.shutdown.clone(),
        }
    }
}

async fn upgrade_or_pass<Q, M, S>(
    State(sockets): State<Sockets<Q, M, S>>,
    request: Request,
    next: Next,
) -> Response
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let wants_websocket = request
        .headers()
        .get(UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !wants_websocket || request.uri().path() != "/graphql" {
        return next.run(request).await;
    }
    let (mut parts, _body) = request.into_parts();
    let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &()).await {
        Ok(protocol) => protocol,
        Err(status) => return status.into_response(),
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let header_token = parts.headers.get(AUTHORIZATION).cloned();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        // tungstenite's default read buffer, 128 KiB, is zero-filled on every read
        // attempt, and the socket is polled at every event it sends: with 1,000
        // subscribers that memset was the orders service's top cost and 128 KiB of
        // RSS per socket (bench/README.md, fan-out). Larger frames still arrive whole.
        .read_buffer_size(4 * 1024)
        .on_upgrade(move |socket| async move {
            let verifier = sockets.verifier;
            let served = GraphQLWebSocket::new(socket, sockets.schema, protocol)
                .on_connection_init(move |payload| async move {
                    let (identity, token) = authenticate(&verifier, &payload, header_token).await?;
                    let mut data = Data::default();
                    data.insert(identity);
                    if let Some(token) = token {
                        data.insert(token);
                    }
                    Ok(data)
                })
                .serve();
            // An upgraded socket outlives the HTTP server's graceful shutdown;
            // without this a stopping service would keep answering pings while
            // its subscribers (the router's clients) wait for events that never
            // come. Dropping the socket closes the connection, which clients
            // see as the end of the stream.
            tokio::select! {
                () = served => {}
                () = sockets.shutdown.cancelled() => {}
            }
        })
}

/// The identity of a socket and its verified token: the `connection_init`
/// payload's token wins over the upgrade request's.
pub async fn authenticate(
    verifier: &Verifier,
    payload: &serde_json::Value,
    header_token: Option<HeaderValue>,
) -> async_graphql::Result<(Identity, Option<AccessToken>)> {
    let from_payload = payload.as_object().and_then(|fields| {
        fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v)
    });
    let mut headers = HeaderMap::new();
    match from_payload {
        Some(serde_json::Value::String(value)) => {
            let value = HeaderValue::from_str(value).map_err(|_| {
                async_graphql::Error::new("Authorization is not a valid header value")
            })?;
            headers.insert(AUTHORIZATION, value);
        }
        Some(_) => return Err(async_graphql::Error::new("Authorization must be a string")),
        None => {
            if let Some(value) = header_token {
                headers.insert(AUTHORIZATION, value);
            }
        }
    }
    identity::authenticate_bearer(verifier, &headers)
        .await
        .map_err(|refused| {
            async_graphql::Error::new(refused.to_string())
                .extend_with(|_, e| e.set("code", refused.code()))
        })
}

/// The last `capacity` ids delivered to a live stream, to drop redeliveries
/// (brokers and resubscriptions deliver at least once).
pub struct RecentIds {
    capacity: usize,
    order: std::collections::VecDeque<uuid::Uuid>,
    set: std::collections::HashSet<uuid::Uuid>,
}

impl RecentIds {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            order: Default::default(),
            set: Default::default(),
        }
    }

    /// `false` if `id` was delivered already.
    pub fn insert(&mut self, id: uuid::Uuid) -> bool {
        if !self.set.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > self.capacity
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        true
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_ids_forget_the_oldest_beyond_capacity() {
        let mut seen = RecentIds::new(3);
        let first = uuid::Uuid::now_v7();
        assert!(seen.insert(first));
        assert!(!seen.insert(first));
        for _ in 0..3 {
            seen.insert(uuid::Uuid::now_v7());
        }
        assert!(seen.insert(first), "the oldest id was forgotten");
        assert_eq!(seen.len(), 3);
    }
}
