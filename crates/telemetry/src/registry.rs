//! A recorder of one's own, its handles and its text.

use std::sync::{Arc, Weak};
use std::time::Duration;

use metrics::{Counter, Gauge, Histogram, Key, KeyName, Label, Level, Metadata, Recorder};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

/// Upper bounds, in seconds, of every histogram's buckets: from half a millisecond (a
/// cached plan, a primary-key read) to ten seconds (the longest a client waits).
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often a registry folds recorded histogram samples into its buckets. The exporter
/// keeps each sample until then (8 bytes each): unscraped, a busy router would grow by
/// megabytes an hour.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The metrics of one service instance. Cheap to clone; handles it gives out stay
/// valid as long as any clone lives.
#[derive(Clone)]
pub struct Registry {
    inner: Arc<Inner>,
}

struct Inner {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

static METADATA: Metadata<'static> = Metadata::new("mart", Level::INFO, None);

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    /// A registry whose histograms use [`LATENCY_BUCKETS`]. Inside a tokio runtime it
    /// also starts its upkeep, which ends when the last clone is dropped.
    pub fn new() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&LATENCY_BUCKETS)
            .expect("the bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        let registry = Self {
            inner: Arc::new(Inner { recorder, handle }),
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(upkeep(Arc::downgrade(&registry.inner)));
        }
        registry
    }

    /// The counter `name` with `labels`, registered (and shown as 0) from now on.
    pub fn counter(&self, name: &'static str, labels: &[(&'static str, &str)]) -> Counter {
        self.inner
            .recorder
            .register_counter(&key(name, labels), &METADATA)
    }

    /// The gauge `name` with `labels`.
    pub fn gauge(&self, name: &'static str, labels: &[(&'static str, &str)]) -> Gauge {
        self.inner
            .recorder
            .register_gauge(&key(name, labels), &METADATA)
    }

    /// The histogram `name` with `labels` (seconds, [`LATENCY_BUCKETS`]).
    pub fn histogram(&self, name: &'static str, labels: &[(&'static str, &str)]) -> Histogram {
        self.inner
            .recorder
            .register_histogram(&key(name, labels), &METADATA)
    }

    /// The `# HELP` line of counter `name`.
    pub fn describe_counter(&self, name: &'static str, help: &'static str) {
        self.inner
            .recorder
            .describe_counter(KeyName::from_const_str(name), None, help.into());
    }

    /// The `# HELP` line of gauge `name`.
    pub fn describe_gauge(&self, name: &'static str, help: &'static str) {
        self.inner
            .recorder
            .describe_gauge(KeyName::from_const_str(name), None, help.into());
    }

    /// The `# HELP` line of histogram `name`.
    pub fn describe_histogram(&self, name: &'static str, help: &'static str) {
        self.inner
            .recorder
            .describe_histogram(KeyName::from_const_str(name), None, help.into());
    }

    /// Every series in Prometheus' text exposition format.
    pub fn render(&self) -> String {
        self.inner.handle.render()
    }
}

fn key(name: &'static str, labels: &[(&'static str, &str)]) -> Key {
    let labels: Vec<Label> = labels
        .iter()
        .map(|(k, v)| Label::new(*k, v.to_string()))
        .collect();
    Key::from_parts(name, labels)
}

async fn upkeep(registry: Weak<Inner>) {
    let mut tick = tokio::time::interval(UPKEEP_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match registry.upgrade() {
            Some(inner) => inner.handle.run_upkeep(),
            None => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_gauges_and_histograms_with_their_help() {
        let registry = Registry::new();
        registry.describe_counter("t_requests_total", "Requests seen");
        registry
            .counter("t_requests_total", &[("status", "200")])
            .increment(3);
        registry.gauge("t_open", &[]).set(2.0);
        let h = registry.histogram("t_duration_seconds", &[("route", "/graphql")]);
        h.record(0.003);
        h.record(0.2);
        let text = registry.render();
        assert!(
            text.contains("# HELP t_requests_total Requests seen"),
            "{text}"
        );
        assert!(
            text.contains("t_requests_total{status=\"200\"} 3"),
            "{text}"
        );
        assert!(text.contains("t_open 2"), "{text}");
        assert!(
            text.contains("t_duration_seconds_bucket{route=\"/graphql\",le=\"0.005\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("t_duration_seconds_bucket{route=\"/graphql\",le=\"0.25\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("t_duration_seconds_count{route=\"/graphql\"} 2"),
            "{text}"
        );
    }

    #[test]
    fn two_registries_keep_their_series_apart() {
        let (a, b) = (Registry::new(), Registry::new());
        a.counter("t_only_in_a_total", &[]).increment(1);
        assert!(a.render().contains("t_only_in_a_total 1"));
        assert!(!b.render().contains("t_only_in_a_total"));
    }

    #[test]
    fn a_registered_counter_shows_as_zero_before_it_counts() {
        let registry = Registry::new();
        let _c = registry.counter("t_failures_total", &[("reason", "declined")]);
        assert!(
            registry
                .render()
                .contains("t_failures_total{reason=\"declined\"} 0")
        );
    }
}
