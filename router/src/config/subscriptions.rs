use std::time::Duration;

use serde::Deserialize;

/// Subscriptions: clients connect over WebSocket (`graphql-transport-ws`, legacy `graphql-ws`)
/// or stream over HTTP (`text/event-stream`, `multipart/mixed`); the router holds one
/// WebSocket to the owning subgraph per client subscription.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SubscriptionConfig {
    /// Accept subscriptions (and WebSocket upgrades) at all. Default `true`.
    /// Env: `MART_ROUTER_SUBSCRIPTIONS`.
    pub enabled: bool,
    /// Interval of keep-alives, in milliseconds: `ping` (graphql-transport-ws) or `ka`
    /// (graphql-ws) to WebSocket clients, an SSE comment, an empty multipart part, and a `ping`
    /// to each subgraph socket (a subgraph silent for two intervals counts as gone).
    /// Default `10000`. Env: `MART_ROUTER_SUBSCRIPTION_KEEPALIVE_MS`.
    pub keepalive_interval_ms: u64,
    /// A WebSocket client that sends nothing for this long, in milliseconds — no message, no
    /// `pong` to the router's `ping`, no answer to the WebSocket ping frame sent with each
    /// keep-alive — is taken for gone and dropped (close 1001), ending its subscriptions and
    /// their subgraph sockets. Default `60000`. Env: `MART_ROUTER_SUBSCRIPTION_CLIENT_TIMEOUT_MS`.
    pub client_timeout_ms: u64,
    /// Time a WebSocket client has to send `connection_init` before it is closed with 4408,
    /// in milliseconds. Default `10000`. Env: `MART_ROUTER_SUBSCRIPTION_INIT_TIMEOUT_MS`.
    pub connection_init_timeout_ms: u64,
    /// Operations running at once on one WebSocket; one more gets an `error` with
    /// `TOO_MANY_SUBSCRIPTIONS`. Default `100`. Env: `MART_ROUTER_SUBSCRIPTION_MAX_PER_CONNECTION`.
    pub max_subscriptions_per_connection: usize,
    /// Messages queued for one client (a WebSocket, or one SSE/multipart response) that it
    /// has not read yet. A client that falls this far behind is dropped: its WebSocket is
    /// closed with 1008, an HTTP stream ends with `SUBSCRIBER_TOO_SLOW`. Default `256`.
    /// Env: `MART_ROUTER_SUBSCRIPTION_QUEUE_CAPACITY`.
    pub client_queue_capacity: usize,
    /// Streams (WebSockets, SSE and multipart responses) one client address may hold open;
    /// more get HTTP 429 `TOO_MANY_CONNECTIONS`. `0`: no cap. Default `128`. Behind a proxy
    /// every client has the proxy's address: raise it there.
    /// Env: `MART_ROUTER_MAX_STREAMS_PER_CLIENT`.
    pub max_streams_per_client: usize,
    /// Streams the router holds open in all. `0`: no cap. Default `10000` (an idle WebSocket
    /// costs ~25 KB, one subscription two sockets). Env: `MART_ROUTER_MAX_STREAMS`.
    pub max_streams: usize,
}

impl Default for SubscriptionConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            keepalive_interval_ms: 10_000,
            client_timeout_ms: 60_000,
            connection_init_timeout_ms: 10_000,
            max_subscriptions_per_connection: 100,
            client_queue_capacity: 256,
            max_streams_per_client: 128,
            max_streams: 10_000,
        }
    }
}

impl SubscriptionConfig {
    pub(crate) fn keepalive_interval(&self) -> Duration {
        Duration::from_millis(self.keepalive_interval_ms.max(10))
    }

    pub(crate) fn client_timeout(&self) -> Duration {
        Duration::from_millis(self.client_timeout_ms.max(10))
    }

    pub(crate) fn connection_init_timeout(&self) -> Duration {
        Duration::from_millis(self.connection_init_timeout_ms)
    }

    pub(crate) fn queue_capacity(&self) -> usize {
        self.client_queue_capacity.max(1)
    }
}
