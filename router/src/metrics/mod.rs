//! The router's Prometheus metrics, kept in a [`mart_telemetry::Registry`] of its own (one per
//! router, so that routers started side by side in one process keep their counts apart).
//!
//! - this file: requests, the plan cache, supergraph reloads and each subgraph's fetches;
//! - [`subscriptions`]: open sockets, running subscriptions and their events;
//! - [`reachability`]: each subgraph's last connection probe.
//!
//! Every request is also counted by route, operation and status by the `mart_telemetry::http`
//! middleware (`mart_http_requests_total`), as on every service.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use mart_telemetry::{Counter, Histogram, Registry};

pub mod reachability;
pub mod subscriptions;

/// One subgraph's fetches.
pub struct SubgraphMetrics {
    pub requests: Counter,
    pub errors: Counter,
    pub deduplicated: Counter,
    pub duration: Histogram,
}

pub struct Metrics {
    registry: Registry,
    pub requests: Counter,
    pub requests_with_errors: Counter,
    /// Queries answered by an identical query in flight (`deduplicate_requests`).
    pub requests_deduplicated: Counter,
    pub request_duration: Histogram,
    pub plan_cache_hits: Counter,
    pub plan_cache_misses: Counter,
    pub supergraph_reloads: Counter,
    pub supergraph_reload_failures: Counter,
    /// Open sockets, active subscriptions and what happened to them.
    pub subscriptions: subscriptions::SubscriptionMetrics,
    /// Each subgraph's last connection probe (`http::health::probe_subgraphs`).
    pub reachability: reachability::Reachability,
    subgraphs: RwLock<HashMap<String, Arc<SubgraphMetrics>>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new(Registry::new())
    }
}

/// A counter registered with its help text.
fn counter(registry: &Registry, name: &'static str, help: &'static str) -> Counter {
    registry.describe_counter(name, help);
    registry.counter(name, &[])
}

impl Metrics {
    pub fn new(registry: Registry) -> Self {
        registry.describe_histogram(
            "mart_router_request_duration_seconds",
            "GraphQL request latency",
        );
        for (name, help) in SUBGRAPH_COUNTERS {
            registry.describe_counter(name, help);
        }
        registry.describe_histogram(
            "mart_router_subgraph_duration_seconds",
            "Subgraph request latency",
        );
        Self {
            requests: counter(
                &registry,
                "mart_router_requests_total",
                "GraphQL requests handled",
            ),
            requests_with_errors: counter(
                &registry,
                "mart_router_request_errors_total",
                "GraphQL requests whose response carried errors",
            ),
            requests_deduplicated: counter(
                &registry,
                "mart_router_requests_deduplicated_total",
                "Queries answered by an identical query in flight",
            ),
            request_duration: registry.histogram("mart_router_request_duration_seconds", &[]),
            plan_cache_hits: counter(
                &registry,
                "mart_router_plan_cache_hits_total",
                "Operations served from the plan cache",
            ),
            plan_cache_misses: counter(
                &registry,
                "mart_router_plan_cache_misses_total",
                "Operations that had to be planned",
            ),
            supergraph_reloads: counter(
                &registry,
                "mart_router_supergraph_reloads_total",
                "Supergraph versions swapped in after start",
            ),
            supergraph_reload_failures: counter(
                &registry,
                "mart_router_supergraph_reload_failures_total",
                "Changed supergraph files that were rejected",
            ),
            subscriptions: subscriptions::SubscriptionMetrics::new(&registry),
            reachability: reachability::Reachability::new(&registry),
            subgraphs: RwLock::default(),
            registry,
        }
    }

    /// The registry, for the HTTP middleware.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub fn subgraph(&self, name: &str) -> Arc<SubgraphMetrics> {
        if let Some(m) = self
            .subgraphs
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
        {
            return m.clone();
        }
        let labels = [("subgraph", name)];
        let [requests, errors, deduplicated] =
            SUBGRAPH_COUNTERS.map(|(metric, _)| self.registry.counter(metric, &labels));
        self.subgraphs
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(name.to_string())
            .or_insert_with(|| {
                Arc::new(SubgraphMetrics {
                    requests,
                    errors,
                    deduplicated,
                    duration: self
                        .registry
                        .histogram("mart_router_subgraph_duration_seconds", &labels),
                })
            })
            .clone()
    }

    /// Every series, in Prometheus' text format.
    pub fn render(&self) -> String {
        self.registry.render()
    }
}

const SUBGRAPH_COUNTERS: [(&str, &str); 3] = [
    (
        "mart_router_subgraph_requests_total",
        "Requests sent to a subgraph",
    ),
    (
        "mart_router_subgraph_errors_total",
        "Failed subgraph requests",
    ),
    (
        "mart_router_subgraph_deduplicated_total",
        "Subgraph requests answered by an identical in-flight request",
    ),
];
