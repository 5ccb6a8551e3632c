//! Whether each subgraph accepted a connection at the last probe (`subgraph::reachability`):
//! a gauge per subgraph, and the detail `/health` shows.
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::RwLock;

#[derive(Default)]
pub struct Reachability {
    last_probe: RwLock<BTreeMap<String, bool>>,
}

impl Reachability {
    /// Replaces the last probe's results: a subgraph the supergraph no longer has goes away.
    pub fn record(&self, results: impl IntoIterator<Item = (String, bool)>) {
        *self.last_probe.write().unwrap_or_else(|e| e.into_inner()) = results.into_iter().collect();
    }

    /// The last probe's results by subgraph name (empty before the first probe ends).
    pub fn snapshot(&self) -> BTreeMap<String, bool> {
        self.last_probe
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn render(&self, out: &mut String) {
        let name = "mart_router_subgraph_reachable";
        let _ = writeln!(
            out,
            "# HELP {name} 1 if the subgraph accepted a TCP connection at the last probe\n# TYPE {name} gauge"
        );
        for (subgraph, reachable) in self.snapshot() {
            let _ = writeln!(
                out,
                "{name}{{subgraph=\"{subgraph}\"}} {}",
                u8::from(reachable)
            );
        }
    }
}
