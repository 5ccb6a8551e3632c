//! `--every`: a line per interval of a long run (the soak benchmark), so that a
//! trend shows while it runs: accepted/s, placeOrder p99, and p50/p99 from
//! placeOrder to CONFIRMED of the orders sent in that interval. An order not
//! settled when its line is printed counts with the time it has waited so far,
//! so a backlog shows as latency rather than vanishing from the figures.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use super::report::{Placed, percentile, sorted};
use super::watch::Settled;

/// How long after an interval ends its line waits for the interval's last
/// orders to settle.
const GRACE: Duration = Duration::from_secs(5);

/// One interval's figures.
pub struct Interval {
    pub index: usize,
    pub accepted_per_s: f64,
    pub failed: usize,
    pub answer_p99_ms: f64,
    pub confirmed_p50_ms: f64,
    pub confirmed_p99_ms: f64,
    pub unsettled: usize,
}

/// Prints a line per `every` of orders sent since `started`, until `intervals`
/// lines; returns their figures.
pub fn spawn(
    orders: Arc<Mutex<Vec<Placed>>>,
    settled: impl Fn(&str) -> Option<Settled> + Send + 'static,
    started: Instant,
    every: Duration,
    intervals: usize,
) -> JoinHandle<Vec<Interval>> {
    tokio::spawn(async move {
        let mut figures = Vec::new();
        for index in 1..=intervals {
            let to = started + every * index as u32;
            let from = to - every;
            tokio::time::sleep_until((to + GRACE).into()).await;
            let now = Utc::now();
            let orders = orders.lock().await;
            let sent: Vec<&Placed> = orders
                .iter()
                .filter(|p| p.sent >= from && p.sent < to)
                .collect();
            let accepted: Vec<&&Placed> = sent.iter().filter(|p| p.order_id.is_some()).collect();
            let mut confirmed = Vec::new();
            let mut unsettled = 0;
            for p in &accepted {
                match settled(p.order_id.as_deref().unwrap_or_default()) {
                    Some(s) if s.status == "CONFIRMED" => confirmed
                        .push((s.at - p.sent_at).num_microseconds().unwrap_or(0) as f64 / 1000.0),
                    Some(_) => {}
                    None => {
                        unsettled += 1;
                        confirmed.push(
                            (now - p.sent_at).num_microseconds().unwrap_or(0) as f64 / 1000.0,
                        );
                    }
                }
            }
            let answers = sorted(
                accepted
                    .iter()
                    .map(|p| p.answered.as_secs_f64() * 1000.0)
                    .collect(),
            );
            let confirmed = sorted(confirmed);
            let interval = Interval {
                index,
                accepted_per_s: accepted.len() as f64 / every.as_secs_f64(),
                failed: sent.len() - accepted.len(),
                answer_p99_ms: percentile(&answers, 99.0),
                confirmed_p50_ms: percentile(&confirmed, 50.0),
                confirmed_p99_ms: percentile(&confirmed, 99.0),
                unsettled,
            };
            println!(
                "interval {:>3}: accepted/s {:>6.1}  failed {:>4}  placeOrder p99 {:>7.1} ms  to CONFIRMED p50 {:>7.1} p99 {:>8.1} ms  not settled {}",
                interval.index,
                interval.accepted_per_s,
                interval.failed,
                interval.answer_p99_ms,
                interval.confirmed_p50_ms,
                interval.confirmed_p99_ms,
                interval.unsettled
            );
            figures.push(interval);
        }
        figures
    })
}

/// The soak targets (issue 19) over the intervals after `skip` of warm-up:
/// every interval's p99 to CONFIRMED under 1 s and placeOrder p99 under 100 ms.
pub fn verdict(figures: &[Interval], skip: usize) -> Result<(), String> {
    let misses: Vec<String> = figures
        .iter()
        .skip(skip)
        .filter(|f| f.confirmed_p99_ms >= 1000.0 || f.answer_p99_ms >= 100.0 || f.failed > 0)
        .map(|f| format!("interval {}", f.index))
        .collect();
    if misses.is_empty() {
        Ok(())
    } else {
        Err(format!("latency targets missed in {}", misses.join(", ")))
    }
}
