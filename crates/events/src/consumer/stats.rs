//! What a consumer did over the last interval, logged at debug level
//! (`MART_LOG=mart_events=debug`): messages per round, time per transaction,
//! and how long events waited between their enqueueing and their application.

use std::time::{Duration, Instant};

use chrono::Utc;

use super::batch::Batch;

const INTERVAL: Duration = Duration::from_secs(5);

pub(crate) struct Stats {
    name: String,
    since: Instant,
    rounds: u64,
    messages: u64,
    wanted: u64,
    applied: u64,
    busy: Duration,
    longest: Duration,
    lag_total_ms: i64,
    lag_max_ms: i64,
}

impl Stats {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            since: Instant::now(),
            rounds: 0,
            messages: 0,
            wanted: 0,
            applied: 0,
            busy: Duration::ZERO,
            longest: Duration::ZERO,
            lag_total_ms: 0,
            lag_max_ms: 0,
        }
    }

    pub fn record(&mut self, batch: &Batch, applied: usize, took: Duration) {
        if !tracing::enabled!(tracing::Level::DEBUG) {
            return;
        }
        let now = Utc::now();
        for event in &batch.events {
            let lag = (now - event.occurred_at).num_milliseconds();
            self.lag_total_ms += lag;
            self.lag_max_ms = self.lag_max_ms.max(lag);
        }
        self.rounds += 1;
        self.messages += batch.messages as u64;
        self.wanted += batch.events.len() as u64;
        self.applied += applied as u64;
        self.busy += took;
        self.longest = self.longest.max(took);
        if self.since.elapsed() >= INTERVAL {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let rounds = self.rounds.max(1);
        tracing::debug!(
            consumer = self.name,
            over = ?self.since.elapsed(),
            rounds = self.rounds,
            messages = self.messages,
            wanted = self.wanted,
            applied = self.applied,
            messages_per_round = self.messages as f64 / rounds as f64,
            tx_mean_ms = self.busy.as_secs_f64() * 1000.0 / rounds as f64,
            tx_max_ms = self.longest.as_secs_f64() * 1000.0,
            lag_mean_ms = self.lag_total_ms / self.wanted.max(1) as i64,
            lag_max_ms = self.lag_max_ms,
            "consumer stats"
        );
        *self = Self::new(&self.name);
    }
}
