//! The figures of a run: delays, deliveries against what each subscriber was entitled
//! to, and the router's memory per connection.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::bail;

use super::Args;
use super::driver::Placed;
use super::memory::Memory;
use super::truth::Change;
use mart_bench::subscriber::SharedLog;

/// The memory samples that bound the measured run (see `measure`).
pub const RUN_START: &str = "one subscription each, warm";
pub const RUN_END: &str = "after the run";
/// The sample taken once every socket closed and the services had time to give
/// memory back.
pub const CLOSED: &str = "sockets closed";
/// What the router may still hold per socket once they all closed. Issue 19
/// measured 42 KB (everything a subscribed socket took); with the allocator
/// trimmed, 2.7 KB.
const MAX_KIB_PER_CLOSED_SOCKET: f64 = 10.0;

pub struct Inputs<'a> {
    pub placed: Vec<Placed>,
    /// How long placing the measured orders took.
    pub placing: Duration,
    /// Every accepted measured order's status changes, from Kafka.
    pub truth: HashMap<String, Vec<Change>>,
    pub logs: &'a [SharedLog],
    pub customer_of: &'a dyn Fn(usize) -> usize,
    /// Subscribers that heard their warm-up order.
    pub live: usize,
    pub memory: Memory,
    pub load_before: String,
    pub load_after: String,
}

pub struct Report {
    subscribers: usize,
    live: usize,
    placed: usize,
    order_failures: usize,
    first_order_failure: Option<String>,
    placing: Duration,
    changes: usize,
    expected: usize,
    received: usize,
    lost: usize,
    duplicated: usize,
    unexpected: usize,
    failed_subscribers: usize,
    first_failure: Option<String>,
    ended_subscribers: usize,
    first_end: Option<String>,
    /// Commit (`at`) → arrival at a subscriber, ms, sorted.
    delay_ms: Vec<f64>,
    /// Commit (`at`) → read from Kafka by this process, ms, sorted.
    kafka_ms: Vec<f64>,
    /// Read from Kafka here → arrival at a subscriber, ms, sorted: the orders service's
    /// feed, its socket and the router, without the outbox relay.
    after_kafka_ms: Vec<f64>,
    memory: Memory,
    load_before: String,
    load_after: String,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn millis(delta: chrono::TimeDelta) -> f64 {
    delta.num_microseconds().unwrap_or(i64::MAX) as f64 / 1000.0
}

impl Report {
    pub fn new(inputs: Inputs<'_>) -> Self {
        let Inputs {
            placed,
            placing,
            truth,
            logs,
            customer_of,
            live,
            memory,
            load_before,
            load_after,
        } = inputs;
        // What each customer's subscribers are entitled to: every change of its orders.
        let mut entitled: HashMap<usize, Vec<(&str, &str)>> = HashMap::new();
        for p in &placed {
            let Some(order) = &p.order_id else { continue };
            for change in truth.get(order).into_iter().flatten() {
                entitled
                    .entry(p.customer)
                    .or_default()
                    .push((order.as_str(), change.status.as_str()));
            }
        }
        let (mut expected, mut received, mut lost, mut duplicated, mut unexpected) =
            (0, 0, 0, 0, 0);
        let (mut failed_subscribers, mut ended_subscribers) = (0, 0);
        let (mut first_failure, mut first_end) = (None, None);
        let seen: HashMap<(&str, &str), chrono::DateTime<chrono::Utc>> = truth
            .iter()
            .flat_map(|(order, changes)| {
                changes
                    .iter()
                    .map(move |c| ((order.as_str(), c.status.as_str()), c.seen))
            })
            .collect();
        let (mut delay_ms, mut after_kafka_ms) = (Vec::new(), Vec::new());
        for (i, log) in logs.iter().enumerate() {
            let log = log.lock().unwrap();
            if let Some(failure) = &log.failure {
                failed_subscribers += 1;
                first_failure.get_or_insert_with(|| failure.clone());
            }
            if let Some(end) = &log.ended {
                ended_subscribers += 1;
                first_end.get_or_insert_with(|| end.clone());
            }
            let mut counts: HashMap<(&str, &str), usize> = HashMap::new();
            for r in log
                .received
                .iter()
                .filter(|r| truth.contains_key(&r.order_id))
            {
                *counts.entry((&r.order_id, &r.status)).or_default() += 1;
                delay_ms.push(millis(r.arrived - r.at));
                if let Some(seen) = seen.get(&(r.order_id.as_str(), r.status.as_str())) {
                    after_kafka_ms.push(millis(r.arrived - *seen));
                }
                received += 1;
            }
            let own = entitled
                .get(&customer_of(i))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            expected += own.len();
            for key in own {
                match counts.remove(key) {
                    None => lost += 1,
                    Some(n) => duplicated += n - 1,
                }
            }
            // Left over: changes this subscriber was not entitled to, or never happened.
            unexpected += counts.values().sum::<usize>();
        }
        delay_ms.sort_by(f64::total_cmp);
        after_kafka_ms.sort_by(f64::total_cmp);
        let mut kafka_ms: Vec<f64> = truth
            .values()
            .flatten()
            .map(|c| millis(c.seen - c.at))
            .collect();
        kafka_ms.sort_by(f64::total_cmp);
        let failures: Vec<&Placed> = placed.iter().filter(|p| p.failure.is_some()).collect();
        Report {
            subscribers: logs.len(),
            live,
            placed: placed.len(),
            order_failures: failures.len(),
            first_order_failure: failures.first().and_then(|p| p.failure.clone()),
            placing,
            changes: truth.values().map(Vec::len).sum(),
            expected,
            received,
            lost,
            duplicated,
            unexpected,
            failed_subscribers,
            first_failure,
            ended_subscribers,
            first_end,
            delay_ms,
            kafka_ms,
            after_kafka_ms,
            memory,
            load_before,
            load_after,
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
        let seconds = self.placing.as_secs_f64().max(f64::EPSILON);
        println!("url:              {}", args.url);
        println!(
            "subscribers:      {} over {} customers ({} live after warm-up)",
            self.subscribers, args.customers, self.live
        );
        println!(
            "orders:           {} placed at {}/s over {:.1}s, {} failed",
            self.placed, args.rate, seconds, self.order_failures
        );
        println!(
            "status changes:   {} ({:.1}/s), deliveries due {} ({:.0}/s)",
            self.changes,
            self.changes as f64 / seconds,
            self.expected,
            self.expected as f64 / seconds
        );
        println!(
            "delivered:        {} received, {} lost, {} duplicated, {} unexpected",
            self.received, self.lost, self.duplicated, self.unexpected
        );
        println!(
            "subscribers:      {} got errors, {} ended early",
            self.failed_subscribers, self.ended_subscribers
        );
        println!(
            "delay ms:         {}   (commit → subscriber)",
            line(&self.delay_ms)
        );
        println!(
            "  to Kafka ms:    {}   (commit → read from the topic here)",
            line(&self.kafka_ms)
        );
        println!(
            "  after Kafka ms: {}   (read from the topic here → subscriber)",
            line(&self.after_kafka_ms)
        );
        println!("memory (RSS):");
        let first = self.memory.samples.first();
        let per_socket = |now: Option<u64>, base: Option<u64>| match (now, base) {
            (Some(now), Some(base)) => format!(
                "{:+.1} KB/socket",
                (now as f64 - base as f64) / self.subscribers as f64 * 1.024
            ),
            _ => String::new(),
        };
        let mb = |kib: Option<u64>| {
            kib.map_or("-".to_string(), |k| format!("{:.1} MB", k as f64 / 1024.0))
        };
        for sample in &self.memory.samples {
            println!(
                "  {:<30} router {:>9} {:<18} subgraphs {:>9} {}",
                sample.stage,
                mb(sample.router_kib),
                per_socket(sample.router_kib, first.and_then(|f| f.router_kib)),
                mb(sample.subgraphs_kib),
                per_socket(sample.subgraphs_kib, first.and_then(|f| f.subgraphs_kib)),
            );
        }
        let stage = |name: &str| self.memory.samples.iter().find(|s| s.stage == name);
        if let (Some(from), Some(to)) = (stage(RUN_START), stage(RUN_END)) {
            let spent = |a: Option<f64>, b: Option<f64>| Some(b? - a?);
            let show = |name: &str, cpu: Option<f64>| match cpu {
                Some(cpu) => format!(
                    "{name} {cpu:.1} s ({:.0} µs per delivery)",
                    cpu * 1e6 / self.received.max(1) as f64
                ),
                None => format!("{name} -"),
            };
            println!(
                "cpu, run+settle:  {}, {}, {}",
                show("router", spent(from.router_cpu, to.router_cpu)),
                show("subgraphs", spent(from.subgraphs_cpu, to.subgraphs_cpu)),
                show("this bench", spent(from.bench_cpu, to.bench_cpu)),
            );
        }
        println!(
            "load average:     {} before, {} after",
            self.load_before, self.load_after
        );
        if let Some(failure) = &self.first_order_failure {
            eprintln!("first placeOrder failure: {}", truncate(failure));
        }
        if let Some(failure) = &self.first_failure {
            eprintln!("first subscriber error: {}", truncate(failure));
        }
        if let Some(end) = &self.first_end {
            eprintln!("first early end: {}", truncate(end));
        }
    }

    /// An error when any subscriber missed, repeated or wrongly got an update, or any
    /// order or subscription failed.
    pub fn verdict(&self) -> anyhow::Result<()> {
        let problems = self.lost
            + self.duplicated
            + self.unexpected
            + self.failed_subscribers
            + self.ended_subscribers
            + self.order_failures;
        let kib = |stage: &str| {
            self.memory
                .samples
                .iter()
                .find(|s| s.stage == stage)
                .and_then(|s| s.router_kib)
        };
        if let (Some(before), Some(closed)) = (self.memory.samples.first(), kib(CLOSED))
            && let Some(before) = before.router_kib
        {
            let per_socket = (closed as f64 - before as f64) / self.subscribers.max(1) as f64;
            if per_socket > MAX_KIB_PER_CLOSED_SOCKET {
                bail!(
                    "the router still holds {per_socket:.1} KB per socket after every socket closed (at most {MAX_KIB_PER_CLOSED_SOCKET} KB)"
                );
            }
        }
        if problems > 0 || self.changes == 0 {
            bail!(
                "{} lost, {} duplicated, {} unexpected, {} subscribers with errors, {} ended early, {} orders failed, {} changes seen",
                self.lost,
                self.duplicated,
                self.unexpected,
                self.failed_subscribers,
                self.ended_subscribers,
                self.order_failures,
                self.changes
            );
        }
        Ok(())
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(500).collect()
}
