//! `mart-bench fanout`: many WebSocket subscribers on the router, order status changes
//! at a steady rate, and how late each change reaches each subscriber.
//!
//! Customers are registered through the router and every subscriber opens its own
//! socket (graphql-transport-ws) as one of them and subscribes to `myOrderUpdates`;
//! subscribers are spread round robin over `--customers`, so with as many customers as
//! subscribers each change goes to one socket, and with one customer every change goes
//! to every socket. Orders are placed for those customers at `--rate` per second; each
//! runs the saga (PENDING → RESERVED → CONFIRMED → AWAITING_SHIPMENT), every step one
//! status change committed by the orders service with its time (`at`). The delay of a
//! delivery is its arrival at the subscriber minus that `at` (one machine, one clock).
//! The status changes' topic, read here as any consumer would, says which changes happened, so
//! every subscriber's log is checked for losses and duplicates.
//!
//! The router's resident memory is read before the sockets open, once they are
//! acknowledged and idle, and once each has its subscription (`--router-pid`).

mod driver;
mod memory;
mod report;
mod truth;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use futures::{StreamExt, TryStreamExt};
use tokio::sync::watch;

use crate::shop::{Customer, Gql};
use driver::{Order, place_all};
use mart_bench::subscriber::{self, Connected, SharedLog};
use memory::Memory;
use report::Report;
use truth::Truth;

/// A progress line on stderr, with the local time so phases can be matched to
/// other observations (top, perf) of the same run.
macro_rules! progress {
    ($($arg:tt)*) => {
        eprintln!("[{}] {}", chrono::Local::now().format("%H:%M:%S"), format_args!($($arg)*))
    };
}

/// What every subscriber sends unless `--query-file` says otherwise: the playground's
/// WatchMyOrders.
const WATCH_MY_ORDERS: &str = "subscription WatchMyOrders { myOrderUpdates { order { id number } status previousStatus at reason } }";

#[derive(clap::Args)]
pub struct Args {
    /// The router's GraphQL endpoint; subscribers use the same path over WebSocket
    #[arg(long, default_value = "http://127.0.0.1:4000/graphql")]
    pub url: String,
    /// WebSocket subscribers, one socket and one subscription each
    #[arg(long, default_value_t = 1000)]
    pub subscribers: usize,
    /// Customers the subscribers are spread over; 1 sends every change to every subscriber
    #[arg(long, default_value_t = 1000)]
    pub customers: usize,
    /// placeOrder calls per second while measuring (each order makes ~4 status changes)
    #[arg(long, default_value_t = 5.0)]
    pub rate: f64,
    /// How long to place orders at that rate
    #[arg(long, default_value = "60s", value_parser = crate::parse_duration)]
    pub duration: Duration,
    /// placeOrder calls per second of the warm-up (one order per customer, not measured)
    #[arg(long, default_value_t = 20.0)]
    pub warmup_rate: f64,
    /// Longest wait for the warm-up's and the run's changes to arrive
    #[arg(long, default_value = "60s", value_parser = crate::parse_duration)]
    pub settle: Duration,
    /// Subscription every subscriber sends; it must select `order { id }`, `status` and `at`
    #[arg(long)]
    pub query_file: Option<PathBuf>,
    /// The router's process id, to read its memory (/proc/PID/status)
    #[arg(long)]
    pub router_pid: Option<u32>,
    /// The process serving the orders subgraph (e.g. `mart up`), to read its memory too
    #[arg(long)]
    pub subgraphs_pid: Option<u32>,
    /// How long the acknowledged sockets sit idle before the memory is read
    #[arg(long, default_value = "3s", value_parser = crate::parse_duration)]
    pub idle_wait: Duration,
    /// How long after every socket closed the memory is read again: past the
    /// services' 30 s reclaim period, so what a process gives back shows.
    #[arg(long, default_value = "35s", value_parser = crate::parse_duration)]
    pub closed_wait: Duration,
    /// Sockets opened at a time
    #[arg(long, default_value_t = 50)]
    pub connect_concurrency: usize,
    /// Products ordered in turn (one unit each); each gets enough stock first
    #[arg(long, default_value_t = 10)]
    pub products: usize,
    /// Payment token of every order (tok_ok authorizes)
    #[arg(long, default_value = "tok_ok")]
    pub payment_token: String,
    #[arg(long, default_value = "admin@mart.example")]
    pub admin_email: String,
    #[arg(long, default_value = "mart-admin-demo")]
    pub admin_password: String,
    /// Kafka bootstrap servers of the system under test
    #[arg(long, env = "MART_KAFKA_BROKERS", default_value = "127.0.0.1:9092")]
    pub kafka_brokers: String,
    /// Its topic prefix (status changes are on `<prefix>order-status`)
    #[arg(long, env = "MART_TOPIC_PREFIX", default_value = "mart.")]
    pub topic_prefix: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.subscribers == 0 || args.customers == 0 || args.products == 0 {
        bail!("--subscribers, --customers and --products must be positive");
    }
    if args.customers > args.subscribers {
        bail!(
            "--customers ({}) must not exceed --subscribers ({}): every customer needs a subscriber",
            args.customers,
            args.subscribers
        );
    }
    if args.rate <= 0.0 || args.warmup_rate <= 0.0 || args.connect_concurrency == 0 {
        bail!("--rate, --warmup-rate and --connect-concurrency must be positive");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(measure(&args))?;
    report.print(&args);
    report.verdict()
}

async fn measure(args: &Args) -> anyhow::Result<Report> {
    let ws_url = websocket_url(&args.url)?;
    let query: Arc<str> = match &args.query_file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("reading {}", path.display()))?
            .into(),
        None => WATCH_MY_ORDERS.into(),
    };
    let mut memory = Memory::new(args.router_pid, args.subgraphs_pid)?;
    let load_before = memory::load_average();
    let gql = Arc::new(Gql::new(&args.url)?);
    let run = format!("{:x}", Utc::now().timestamp_millis());
    let planned = (args.duration.as_secs_f64() * args.rate).ceil() as usize;

    let admin = gql.login(&args.admin_email, &args.admin_password).await?;
    let units = (planned + 2 * args.customers) / args.products + 1;
    let products = gql.stocked_products(&admin, args.products, units).await?;
    progress!("registering {} customers…", args.customers);
    let customers = Arc::new(
        gql.customers(&format!("fanout-{run}"), args.customers)
            .await?,
    );
    let users: HashSet<String> = customers.iter().map(|c| c.user_id.clone()).collect();
    let topic = mart_events::Topic::OrderStatus.name(&args.topic_prefix);
    let truth = Truth::start(
        &args.kafka_brokers,
        &format!("mart-bench-fanout-{run}"),
        &topic,
        users,
    )
    .await
    .with_context(|| format!("reading {topic}"))?;

    memory.sample("before connecting");
    progress!("opening {} sockets…", args.subscribers);
    let connected = connect_all(args, &ws_url, &customers).await?;
    tokio::time::sleep(args.idle_wait).await;
    memory.sample("sockets acknowledged, idle");

    let (stop, stopped) = watch::channel(false);
    let subscribers: Vec<(SharedLog, tokio::task::JoinHandle<()>)> = connected
        .into_iter()
        .map(|c| c.subscribe(query.clone(), stopped.clone()))
        .collect();
    let logs: Vec<SharedLog> = subscribers.iter().map(|(log, _)| log.clone()).collect();
    let customer_of = |subscriber: usize| subscriber % customers.len();

    progress!("warm-up: one order per customer at {}/s…", args.warmup_rate);
    let warmup = Order::each_customer(customers.len());
    place_all(
        args,
        &gql,
        &customers,
        &products,
        &run,
        "warmup",
        &warmup,
        args.warmup_rate,
    )
    .await;
    let live = wait_until_all_heard(&logs, args.settle).await;
    if live < logs.len() {
        // A customer whose warm-up changes came before its subscriber was live: once more.
        let silent: HashSet<usize> = logs
            .iter()
            .enumerate()
            .filter(|(_, log)| log.lock().unwrap().received.is_empty())
            .map(|(i, _)| customer_of(i))
            .collect();
        progress!(
            "warm-up: {} subscribers silent, probing their customers again…",
            logs.len() - live
        );
        let again: Vec<Order> = silent
            .into_iter()
            .map(|customer| Order { customer })
            .collect();
        place_all(
            args,
            &gql,
            &customers,
            &products,
            &run,
            "warmup2",
            &again,
            args.warmup_rate,
        )
        .await;
        wait_until_all_heard(&logs, args.settle).await;
    }
    let live = logs
        .iter()
        .filter(|l| !l.lock().unwrap().received.is_empty())
        .count();
    memory.sample(report::RUN_START);

    progress!("measuring: {planned} orders at {}/s…", args.rate);
    let measured_orders: Vec<Order> = (0..planned)
        .map(|i| Order {
            customer: i % customers.len(),
        })
        .collect();
    let started = Instant::now();
    let placed = place_all(
        args,
        &gql,
        &customers,
        &products,
        &run,
        "run",
        &measured_orders,
        args.rate,
    )
    .await;
    let placing = started.elapsed();
    let accepted: Vec<String> = placed.iter().filter_map(|p| p.order_id.clone()).collect();
    let deadline = Instant::now() + args.settle;
    while truth.settled(&accepted) < accepted.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let order_customer: HashMap<String, usize> = placed
        .iter()
        .filter_map(|p| Some((p.order_id.clone()?, p.customer)))
        .collect();
    let subscribers_of = subscribers_per_customer(args.subscribers, customers.len());
    let expected: usize = accepted
        .iter()
        .map(|o| truth.of(o).len() * subscribers_of[order_customer[o]])
        .sum();
    while delivered(&logs, &order_customer) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    memory.sample(report::RUN_END);

    let _ = stop.send(true);
    for (_, task) in subscribers {
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    }
    tokio::time::sleep(args.closed_wait).await;
    memory.sample(report::CLOSED);
    let truth_changes: HashMap<String, Vec<truth::Change>> =
        accepted.iter().map(|o| (o.clone(), truth.of(o))).collect();
    truth.stop();
    Ok(Report::new(report::Inputs {
        placed,
        placing,
        truth: truth_changes,
        logs: &logs,
        customer_of: &customer_of,
        live,
        memory,
        load_before,
        load_after: memory::load_average(),
    }))
}

fn websocket_url(url: &str) -> anyhow::Result<String> {
    if let Some(rest) = url.strip_prefix("http://") {
        Ok(format!("ws://{rest}"))
    } else if let Some(rest) = url.strip_prefix("https://") {
        Ok(format!("wss://{rest}"))
    } else {
        bail!("--url must be http:// or https://, not {url}")
    }
}

async fn connect_all(
    args: &Args,
    ws_url: &str,
    customers: &[Customer],
) -> anyhow::Result<Vec<Connected>> {
    let started = Instant::now();
    let connected: Vec<Connected> = futures::stream::iter(0..args.subscribers)
        .map(|i| {
            let token = &customers[i % customers.len()].token;
            async move {
                subscriber::connect(ws_url, token, Duration::from_secs(30))
                    .await
                    .with_context(|| format!("subscriber {i}"))
            }
        })
        // In order, so subscriber i stays customer i % customers.
        .buffered(args.connect_concurrency)
        .try_collect()
        .await
        .context("opening the sockets (is the fd limit high enough? see bench/README.md)")?;
    progress!(
        "{} sockets acknowledged in {:.1}s",
        connected.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(connected)
}

/// How many subscribers each customer has (subscriber i belongs to customer i % customers).
fn subscribers_per_customer(subscribers: usize, customers: usize) -> Vec<usize> {
    (0..customers)
        .map(|c| (subscribers - c).div_ceil(customers))
        .collect()
}

/// Waits until every subscriber has read at least one update; how many have.
async fn wait_until_all_heard(logs: &[SharedLog], limit: Duration) -> usize {
    let deadline = Instant::now() + limit;
    loop {
        let heard = logs
            .iter()
            .filter(|l| !l.lock().unwrap().received.is_empty())
            .count();
        if heard == logs.len() || Instant::now() >= deadline {
            return heard;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Updates of the measured orders read so far, over all subscribers.
fn delivered(logs: &[SharedLog], orders: &HashMap<String, usize>) -> usize {
    logs.iter()
        .map(|log| {
            log.lock()
                .unwrap()
                .received
                .iter()
                .filter(|r| orders.contains_key(&r.order_id))
                .count()
        })
        .sum()
}
