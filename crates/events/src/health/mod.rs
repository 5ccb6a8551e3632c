//! What a service's event pipeline is doing, for `/metrics` and `/ready`: per
//! consumer, how far behind its group's committed position is and how long it
//! has stood still; per outbox, how much waits to be sent; and how many
//! messages were dead-lettered. Names and meanings: docs/events.md.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod metrics;

/// How long a group's committed position may stand still while records wait
/// before the consumer counts as stalled: it then rejoins its group, and
/// `/ready` reports the service degraded. A healthy consumer commits within
/// [`crate::kafka::OFFSET_COMMIT_INTERVAL`] (1 s) of applying a round, and a
/// round at the benchmark's 250 orders/s takes under 0.5 s, so 10 s is far
/// above normal; it also has to stay below the 30 s in which the saga must move
/// again after a crash (docs/events.md).
pub const STALL_AFTER: Duration = Duration::from_secs(10);

/// Every consumer and outbox of one service.
#[derive(Default)]
pub struct PipelineHealth {
    consumers: Mutex<Vec<Arc<ConsumerHealth>>>,
    /// Outbox rows the relay handed to the broker (or dead-lettered) since start.
    published: AtomicU64,
    /// Every (stage, consumer) that has had dead letters, to show it at 0 once replayed.
    dead_letter_series: Mutex<std::collections::BTreeSet<(String, String)>>,
}

/// One partition as the last lag check saw it.
#[derive(Debug, Clone)]
struct PartitionState {
    committed: i64,
    end: i64,
    /// When `committed` last moved, or the partition was last seen caught up.
    moved: Instant,
}

/// One consumer's progress, written by the consumer and its lag checks.
#[derive(Debug)]
pub struct ConsumerHealth {
    /// The name its processed events are recorded under (`orders.saga`).
    pub name: String,
    pub group: String,
    started: Instant,
    partitions: Mutex<BTreeMap<(String, i32), PartitionState>>,
    /// Milliseconds after `started` of the last applied round.
    last_round_ms: AtomicU64,
    recoveries: AtomicU64,
    dead_lettered: AtomicU64,
    /// Messages settled in applied rounds (handled, skipped as seen, or dead-lettered).
    settled: AtomicU64,
}

impl ConsumerHealth {
    pub fn new(name: &str, group: &str) -> Self {
        Self {
            name: name.to_string(),
            group: group.to_string(),
            started: Instant::now(),
            partitions: Mutex::default(),
            last_round_ms: AtomicU64::new(0),
            recoveries: AtomicU64::new(0),
            dead_lettered: AtomicU64::new(0),
            settled: AtomicU64::new(0),
        }
    }

    pub(crate) fn round_applied(&self, messages: usize) {
        self.settled.fetch_add(messages as u64, Relaxed);
        let ms = self.started.elapsed().as_millis().max(1) as u64;
        self.last_round_ms.store(ms, Relaxed);
    }

    pub(crate) fn dead_lettered(&self, n: usize) {
        self.dead_lettered.fetch_add(n as u64, Relaxed);
    }

    /// Records a rejoin, and starts every partition's stall clock again: the
    /// new member deserves [`STALL_AFTER`] of its own.
    pub(crate) fn recovered(&self) {
        self.recoveries.fetch_add(1, Relaxed);
        let now = Instant::now();
        for state in self.partitions.lock().unwrap().values_mut() {
            state.moved = now;
        }
    }

    pub fn recoveries(&self) -> u64 {
        AtomicU64::load(&self.recoveries, Relaxed)
    }

    /// What one lag check read: the group's committed offset and the end of
    /// each subscribed partition.
    pub(crate) fn observe(&self, positions: &[(String, i32, i64, i64)]) {
        self.observe_at(positions, Instant::now());
    }

    fn observe_at(&self, positions: &[(String, i32, i64, i64)], now: Instant) {
        let mut partitions = self.partitions.lock().unwrap();
        for (topic, partition, committed, end) in positions {
            let key = (topic.clone(), *partition);
            let state = partitions.entry(key).or_insert(PartitionState {
                committed: *committed,
                end: *end,
                moved: now,
            });
            if state.committed != *committed || committed >= end {
                state.moved = now;
            }
            state.committed = *committed;
            state.end = *end;
        }
    }

    /// Records waiting behind the committed position, per topic.
    pub fn lag(&self) -> BTreeMap<String, i64> {
        let mut lag = BTreeMap::new();
        for ((topic, _), s) in self.partitions.lock().unwrap().iter() {
            *lag.entry(topic.clone()).or_insert(0) += (s.end - s.committed).max(0);
        }
        lag
    }

    /// Per topic, how long the committed position has stood still while
    /// records wait (zero when caught up or moving).
    pub fn stalled_for(&self) -> BTreeMap<String, Duration> {
        let mut stalled = BTreeMap::new();
        for ((topic, _), s) in self.partitions.lock().unwrap().iter() {
            let d = if s.end > s.committed {
                s.moved.elapsed()
            } else {
                Duration::ZERO
            };
            let worst = stalled.entry(topic.clone()).or_insert(Duration::ZERO);
            *worst = (*worst).max(d);
        }
        stalled
    }

    /// The topic and wait of the longest stall past [`STALL_AFTER`], if any.
    /// A consumer that applied a round within [`STALL_AFTER`] is moving, even
    /// if the broker has not seen its commit yet (a long round under load must
    /// not make it rejoin and lose more time).
    pub fn stall(&self) -> Option<(String, Duration, i64)> {
        if self.since_last_round() < STALL_AFTER.as_secs_f64() && self.has_applied() {
            return None;
        }
        let lag = self.lag();
        self.stalled_for()
            .into_iter()
            .filter(|(_, d)| *d >= STALL_AFTER)
            .max_by_key(|(_, d)| *d)
            .map(|(topic, d)| {
                let waiting = lag.get(&topic).copied().unwrap_or(0);
                (topic, d, waiting)
            })
    }

    fn has_applied(&self) -> bool {
        AtomicU64::load(&self.last_round_ms, Relaxed) > 0
    }

    /// Seconds since the consumer last applied a round (since its start if it
    /// has not yet).
    fn since_last_round(&self) -> f64 {
        let last = Duration::from_millis(AtomicU64::load(&self.last_round_ms, Relaxed));
        (self.started.elapsed().saturating_sub(last)).as_secs_f64()
    }
}

impl PipelineHealth {
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    /// Adds a consumer to report on.
    pub fn consumer(&self, name: &str, group: &str) -> Arc<ConsumerHealth> {
        let health = Arc::new(ConsumerHealth::new(name, group));
        self.consumers.lock().unwrap().push(health.clone());
        health
    }

    /// Counts rows the outbox relay settled.
    pub fn published(&self, rows: usize) {
        self.published.fetch_add(rows as u64, Relaxed);
    }

    pub fn consumers(&self) -> Vec<Arc<ConsumerHealth>> {
        self.consumers.lock().unwrap().clone()
    }

    /// `Err` naming the first consumer stalled past [`STALL_AFTER`].
    pub fn check(&self) -> Result<(), String> {
        for c in self.consumers() {
            if let Some((topic, stalled, waiting)) = c.stall() {
                return Err(format!(
                    "consumer {} has made no progress on {topic} for {}s while {waiting} records wait",
                    c.name,
                    stalled.as_secs()
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(committed: i64, end: i64) -> Vec<(String, i32, i64, i64)> {
        vec![("t.orders".to_string(), 0, committed, end)]
    }

    #[test]
    fn a_group_standing_still_while_records_wait_is_a_stall_until_it_moves() {
        let long_ago = Instant::now() - (STALL_AFTER + Duration::from_secs(5));
        let health = ConsumerHealth::new("orders.saga", "g");
        health.observe_at(&at(5, 10), long_ago);
        health.observe(&at(5, 12));
        let (topic, stalled, waiting) = health.stall().expect("stalled");
        assert_eq!((topic.as_str(), waiting), ("t.orders", 7));
        assert!(stalled >= STALL_AFTER);
        assert!(PipelineHealth::default().check().is_ok());

        // A round applied just now: moving, whatever the broker says yet.
        health.round_applied(1);
        assert!(health.stall().is_none());

        let moved = ConsumerHealth::new("orders.saga", "g");
        moved.observe_at(&at(5, 10), long_ago);
        moved.observe(&at(9, 12));
        assert!(moved.stall().is_none(), "the committed offset moved");

        let idle = ConsumerHealth::new("orders.saga", "g");
        idle.observe_at(&at(10, 10), long_ago);
        idle.observe(&at(10, 10));
        assert!(idle.stall().is_none(), "caught up");
        assert_eq!(idle.lag()["t.orders"], 0);

        let rejoined = ConsumerHealth::new("orders.saga", "g");
        rejoined.observe_at(&at(5, 10), long_ago);
        assert!(rejoined.stall().is_some());
        rejoined.recovered();
        assert!(
            rejoined.stall().is_none(),
            "a rejoined member gets its own time"
        );
        assert_eq!(rejoined.recoveries(), 1);
    }
}
