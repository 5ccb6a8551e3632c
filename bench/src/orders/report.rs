//! The figures of a run.

use std::time::{Duration, Instant};

use anyhow::bail;
use chrono::{DateTime, Utc};

use super::Args;
use super::watch::Settled;

/// One placeOrder call.
pub struct Placed {
    pub order_id: Option<String>,
    pub failure: Option<String>,
    pub sent: Instant,
    pub sent_at: DateTime<Utc>,
    pub answered: Duration,
}

pub struct Report {
    measured: usize,
    accepted: usize,
    failed: usize,
    first_failure: Option<String>,
    accepted_per_s: f64,
    /// placeOrder answer times, ms, sorted.
    answer_ms: Vec<f64>,
    /// placeOrder sent → CONFIRMED (the orders service's status change), ms, sorted.
    confirmed_ms: Vec<f64>,
    /// placeOrder sent → the change read from Kafka here, ms, sorted.
    observed_ms: Vec<f64>,
    cancelled: usize,
    unsettled: usize,
}

pub(super) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub(super) fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values
}

impl Report {
    /// Counts only the orders sent from `measured_from` on (after the warm-up).
    pub fn new(
        orders: Vec<Placed>,
        measured_from: Instant,
        settled: impl Fn(&str) -> Option<Settled>,
    ) -> Self {
        let measured: Vec<Placed> = orders
            .into_iter()
            .filter(|p| p.sent >= measured_from)
            .collect();
        let accepted: Vec<&Placed> = measured.iter().filter(|p| p.order_id.is_some()).collect();
        let last_answer = measured
            .iter()
            .map(|p| p.sent + p.answered)
            .max()
            .unwrap_or(measured_from);
        let window = last_answer.duration_since(measured_from).as_secs_f64();
        let (mut confirmed, mut observed) = (Vec::new(), Vec::new());
        let (mut cancelled, mut unsettled) = (0, 0);
        for placed in &accepted {
            match settled(placed.order_id.as_deref().unwrap_or_default()) {
                Some(s) if s.status == "CONFIRMED" => {
                    confirmed.push(
                        (s.at - placed.sent_at).num_microseconds().unwrap_or(0) as f64 / 1000.0,
                    );
                    observed
                        .push(s.seen.saturating_duration_since(placed.sent).as_secs_f64() * 1000.0);
                }
                Some(_) => cancelled += 1,
                None => unsettled += 1,
            }
        }
        let failures: Vec<&Placed> = measured.iter().filter(|p| p.failure.is_some()).collect();
        Self {
            measured: measured.len(),
            accepted: accepted.len(),
            failed: failures.len(),
            first_failure: failures.first().and_then(|p| p.failure.clone()),
            accepted_per_s: if window > 0.0 {
                accepted.len() as f64 / window
            } else {
                0.0
            },
            answer_ms: sorted(
                accepted
                    .iter()
                    .map(|p| p.answered.as_secs_f64() * 1000.0)
                    .collect(),
            ),
            confirmed_ms: sorted(confirmed),
            observed_ms: sorted(observed),
            cancelled,
            unsettled,
        }
    }

    pub fn print(&self, args: &Args) {
        let line = |values: &[f64]| {
            format!(
                "p50 {:.1}  p95 {:.1}  p99 {:.1}  max {:.1}",
                percentile(values, 50.0),
                percentile(values, 95.0),
                percentile(values, 99.0),
                values.last().copied().unwrap_or(0.0)
            )
        };
        println!("url:               {}", args.url);
        println!(
            "load:              {}/s for {:.1}s (after {:.1}s warm-up), {} customers, {} products",
            args.rate,
            args.duration.as_secs_f64(),
            args.warmup.as_secs_f64(),
            args.users,
            args.products
        );
        println!(
            "placed:            {} sent, {} accepted, {} failed",
            self.measured, self.accepted, self.failed
        );
        println!("accepted/s:        {:.1}", self.accepted_per_s);
        println!("placeOrder ms:     {}", line(&self.answer_ms));
        println!(
            "settled:           {} CONFIRMED, {} CANCELLED, {} not settled",
            self.confirmed_ms.len(),
            self.cancelled,
            self.unsettled
        );
        println!("to CONFIRMED ms:   {}", line(&self.confirmed_ms));
        println!("  seen on Kafka:   {}", line(&self.observed_ms));
        if let Some(failure) = &self.first_failure {
            let sample: String = failure.chars().take(500).collect();
            eprintln!("first failure: {sample}");
        }
    }

    /// An error when any order failed, was cancelled or never settled.
    pub fn verdict(&self) -> anyhow::Result<()> {
        if self.failed + self.cancelled + self.unsettled > 0 {
            bail!(
                "{} placeOrder calls failed, {} orders were cancelled, {} did not settle",
                self.failed,
                self.cancelled,
                self.unsettled
            );
        }
        Ok(())
    }
}
