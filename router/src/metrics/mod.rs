//! Prometheus metrics, rendered in the text exposition format without a metrics crate.
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, RwLock};
use std::time::Duration;

pub mod reachability;
pub mod subscriptions;

const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
pub struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Relaxed);
            }
        }
        self.count.fetch_add(1, Relaxed);
        self.sum_micros
            .fetch_add(elapsed.as_micros() as u64, Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {}",
                bucket.load(Relaxed)
            );
        }
        let count = self.count.load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Relaxed) as f64 / 1_000_000.0;
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {count}");
    }
}

/// Metric name, help text and how to read the counter from a subgraph's metrics.
type CounterFamily = (&'static str, &'static str, fn(&SubgraphMetrics) -> u64);

#[derive(Default)]
pub struct SubgraphMetrics {
    pub requests: AtomicU64,
    pub errors: AtomicU64,
    pub deduplicated: AtomicU64,
    pub duration: Histogram,
}

#[derive(Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    pub requests_with_errors: AtomicU64,
    /// Queries answered by an identical query in flight (`deduplicate_requests`).
    pub requests_deduplicated: AtomicU64,
    pub request_duration: Histogram,
    pub plan_cache_hits: AtomicU64,
    pub plan_cache_misses: AtomicU64,
    pub supergraph_reloads: AtomicU64,
    pub supergraph_reload_failures: AtomicU64,
    /// Open sockets, active subscriptions and what happened to them.
    pub subscriptions: subscriptions::SubscriptionMetrics,
    /// Each subgraph's last connection probe (`http::health::probe_subgraphs`).
    pub reachability: reachability::Reachability,
    subgraphs: RwLock<HashMap<String, Arc<SubgraphMetrics>>>,
}

impl Metrics {
    pub fn subgraph(&self, name: &str) -> Arc<SubgraphMetrics> {
        if let Some(m) = self
            .subgraphs
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
        {
            return m.clone();
        }
        self.subgraphs
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(name.to_string())
            .or_default()
            .clone()
    }

    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        counter(
            &mut out,
            "mart_router_requests_total",
            "GraphQL requests handled",
            self.requests.load(Relaxed),
        );
        counter(
            &mut out,
            "mart_router_request_errors_total",
            "GraphQL requests whose response carried errors",
            self.requests_with_errors.load(Relaxed),
        );
        counter(
            &mut out,
            "mart_router_requests_deduplicated_total",
            "Queries answered by an identical query in flight",
            self.requests_deduplicated.load(Relaxed),
        );
        counter(
            &mut out,
            "mart_router_plan_cache_hits_total",
            "Operations served from the plan cache",
            self.plan_cache_hits.load(Relaxed),
        );
        counter(
            &mut out,
            "mart_router_plan_cache_misses_total",
            "Operations that had to be planned",
            self.plan_cache_misses.load(Relaxed),
        );
        counter(
            &mut out,
            "mart_router_supergraph_reloads_total",
            "Supergraph versions swapped in after start",
            self.supergraph_reloads.load(Relaxed),
        );
        counter(
            &mut out,
            "mart_router_supergraph_reload_failures_total",
            "Changed supergraph files that were rejected",
            self.supergraph_reload_failures.load(Relaxed),
        );
        out.push_str("# HELP mart_router_request_duration_seconds GraphQL request latency\n");
        out.push_str("# TYPE mart_router_request_duration_seconds histogram\n");
        self.request_duration
            .render(&mut out, "mart_router_request_duration_seconds", "");
        self.subscriptions.render(&mut out);
        self.reachability.render(&mut out);

        let subgraphs = self.subgraphs.read().unwrap_or_else(|e| e.into_inner());
        let mut names: Vec<&String> = subgraphs.keys().collect();
        names.sort();
        let families: [CounterFamily; 3] = [
            (
                "mart_router_subgraph_requests_total",
                "Requests sent to a subgraph",
                |m| m.requests.load(Relaxed),
            ),
            (
                "mart_router_subgraph_errors_total",
                "Failed subgraph requests",
                |m| m.errors.load(Relaxed),
            ),
            (
                "mart_router_subgraph_deduplicated_total",
                "Subgraph requests answered by an identical in-flight request",
                |m| m.deduplicated.load(Relaxed),
            ),
        ];
        for (name, help, read) in families {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for subgraph in &names {
                let _ = writeln!(
                    out,
                    "{name}{{subgraph=\"{subgraph}\"}} {}",
                    read(&subgraphs[*subgraph])
                );
            }
        }
        out.push_str("# HELP mart_router_subgraph_duration_seconds Subgraph request latency\n");
        out.push_str("# TYPE mart_router_subgraph_duration_seconds histogram\n");
        for subgraph in names {
            subgraphs[subgraph].duration.render(
                &mut out,
                "mart_router_subgraph_duration_seconds",
                &format!("subgraph=\"{subgraph}\""),
            );
        }
        out
    }
}

pub(crate) fn counter(out: &mut String, name: &str, help: &str, value: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
    );
}
