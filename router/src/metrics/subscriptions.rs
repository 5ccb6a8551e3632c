//! Subscription metrics: gauges of open sockets and active subscriptions per transport, and
//! counters of delivered events, dropped clients and lost subgraph streams.

use mart_telemetry::{Counter, Gauge, Registry};

/// How a client receives a subscription's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    WebSocket,
    Sse,
    Multipart,
}

impl Transport {
    const ALL: [Transport; 3] = [Transport::WebSocket, Transport::Sse, Transport::Multipart];

    fn label(self) -> &'static str {
        match self {
            Transport::WebSocket => "websocket",
            Transport::Sse => "sse",
            Transport::Multipart => "multipart",
        }
    }
}

pub struct SubscriptionMetrics {
    websockets: Gauge,
    active: [Gauge; 3],
    pub events: Counter,
    pub clients_dropped: Counter,
    pub upstream_failures: Counter,
}

/// Holds one unit of a gauge; gives it back when dropped, whatever path ends the work.
pub struct GaugeGuard(Gauge);

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

const EVENTS: &str = "mart_router_subscription_events_total";
const DROPPED: &str = "mart_router_subscription_clients_dropped_total";
const FAILURES: &str = "mart_router_subscription_upstream_failures_total";
const WEBSOCKETS: &str = "mart_router_websocket_connections";
const ACTIVE: &str = "mart_router_subscriptions_active";

impl SubscriptionMetrics {
    pub fn new(registry: &Registry) -> Self {
        registry.describe_gauge(WEBSOCKETS, "Open client WebSockets");
        registry.describe_gauge(ACTIVE, "Subscriptions running, by client transport");
        registry.describe_counter(EVENTS, "Subscription events delivered to clients");
        registry.describe_counter(
            DROPPED,
            "Clients dropped for not reading their subscription events",
        );
        registry.describe_counter(
            FAILURES,
            "Subgraph subscription streams that could not open or broke off",
        );
        Self {
            websockets: registry.gauge(WEBSOCKETS, &[]),
            active: Transport::ALL.map(|t| registry.gauge(ACTIVE, &[("transport", t.label())])),
            events: registry.counter(EVENTS, &[]),
            clients_dropped: registry.counter(DROPPED, &[]),
            upstream_failures: registry.counter(FAILURES, &[]),
        }
    }

    pub fn websocket_opened(&self) -> GaugeGuard {
        self.websockets.increment(1.0);
        GaugeGuard(self.websockets.clone())
    }

    pub fn subscription_started(&self, transport: Transport) -> GaugeGuard {
        let gauge = &self.active[transport as usize];
        gauge.increment(1.0);
        GaugeGuard(gauge.clone())
    }
}
