//! Whether each subgraph accepted a connection at the last probe (`subgraph::reachability`):
//! a gauge per subgraph, and the detail `/health` shows.

use std::collections::BTreeMap;
use std::sync::RwLock;

use mart_telemetry::Registry;

const REACHABLE: &str = "mart_router_subgraph_reachable";

pub struct Reachability {
    registry: Registry,
    last_probe: RwLock<BTreeMap<String, bool>>,
}

impl Reachability {
    pub fn new(registry: &Registry) -> Self {
        registry.describe_gauge(
            REACHABLE,
            "1 if the subgraph accepted a TCP connection at the last probe",
        );
        Self {
            registry: registry.clone(),
            last_probe: RwLock::default(),
        }
    }

    /// Replaces the last probe's results. A subgraph the supergraph no longer has leaves
    /// `/health`; its gauge keeps its last value (the exporter cannot drop one series).
    pub fn record(&self, results: impl IntoIterator<Item = (String, bool)>) {
        let results: BTreeMap<String, bool> = results.into_iter().collect();
        for (subgraph, reachable) in &results {
            self.registry
                .gauge(REACHABLE, &[("subgraph", subgraph)])
                .set(f64::from(u8::from(*reachable)));
        }
        *self.last_probe.write().unwrap_or_else(|e| e.into_inner()) = results;
    }

    /// The last probe's results by subgraph name (empty before the first probe ends).
    pub fn snapshot(&self) -> BTreeMap<String, bool> {
        self.last_probe
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}
