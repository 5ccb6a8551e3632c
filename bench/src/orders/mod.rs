//! `mart-bench orders`: customers place orders through the router at a fixed
//! rate (open loop: each order is sent on schedule, however long earlier ones
//! take), and every order is followed to CONFIRMED through the
//! `order.status_changed` events on Kafka. Reports orders accepted per second
//! and the time from sending placeOrder to CONFIRMED.

mod minutes;
mod report;
mod watch;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use tokio::sync::{Mutex, Semaphore};

use crate::shop::{self, Gql};
use report::{Placed, Report};
use watch::Watch;

#[derive(clap::Args)]
pub struct Args {
    /// The router's GraphQL endpoint
    #[arg(long, default_value = "http://127.0.0.1:4000/graphql")]
    pub url: String,
    /// placeOrder calls per second
    #[arg(long, default_value_t = 200.0)]
    pub rate: f64,
    /// How long to place orders at that rate (measured)
    #[arg(long, default_value = "30s", value_parser = crate::parse_duration)]
    pub duration: Duration,
    /// Placing at the same rate before measuring (not counted)
    #[arg(long, default_value = "3s", value_parser = crate::parse_duration)]
    pub warmup: Duration,
    /// Customers, registered and signed in through the router before the run
    #[arg(long, default_value_t = 50)]
    pub users: usize,
    /// Products ordered in turn (one unit each); each gets enough stock first
    #[arg(long, default_value_t = 10)]
    pub products: usize,
    /// Most placeOrder calls awaiting an answer; when reached, the schedule slips
    #[arg(long, default_value_t = 256)]
    pub max_in_flight: usize,
    /// How long to wait after the last placement for every order to settle
    #[arg(long, default_value = "60s", value_parser = crate::parse_duration)]
    pub settle: Duration,
    /// Payment token of every order (tok_ok authorizes)
    #[arg(long, default_value = "tok_ok")]
    pub payment_token: String,
    #[arg(long, default_value = "admin@mart.example")]
    pub admin_email: String,
    #[arg(long, default_value = "mart-admin-demo")]
    pub admin_password: String,
    /// Print a line of figures per interval of this length (0: only the
    /// summary), and judge the intervals after --skip-intervals against the
    /// soak targets
    #[arg(long, default_value = "0s", value_parser = crate::parse_duration)]
    pub every: Duration,
    /// Intervals of warm-up left out of the soak verdict
    #[arg(long, default_value_t = 2)]
    pub skip_intervals: usize,
    /// Kafka bootstrap servers of the system under test
    #[arg(long, env = "MART_KAFKA_BROKERS", default_value = "127.0.0.1:9092")]
    pub kafka_brokers: String,
    /// Its topic prefix (status changes are on `<prefix>order-status`)
    #[arg(long, env = "MART_TOPIC_PREFIX", default_value = "mart.")]
    pub topic_prefix: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.rate <= 0.0 || args.users == 0 || args.products == 0 || args.max_in_flight == 0 {
        bail!("--rate, --users, --products and --max-in-flight must be positive");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (report, intervals) = runtime.block_on(measure(&args))?;
    report.print(&args);
    let soak = match &intervals {
        Some(figures) => minutes::verdict(figures, args.skip_intervals),
        None => Ok(()),
    };
    if let Err(missed) = &soak {
        println!("soak verdict:      {missed}");
    } else if intervals.is_some() {
        println!("soak verdict:      every interval met the latency targets");
    }
    report.verdict()?;
    soak.map_err(anyhow::Error::msg)
}

async fn measure(args: &Args) -> anyhow::Result<(Report, Option<Vec<minutes::Interval>>)> {
    let gql = Arc::new(Gql::new(&args.url)?);
    let run = format!("{:x}", Utc::now().timestamp_millis());
    let total = orders_in_run(args);

    let admin = gql.login(&args.admin_email, &args.admin_password).await?;
    let units = (total / args.products + 1) * 2;
    let products = gql.stocked_products(&admin, args.products, units).await?;
    eprintln!("signing in {} customers…", args.users);
    let customers: Vec<String> = gql
        .customers(&format!("orders-{run}"), args.users)
        .await?
        .into_iter()
        .map(|c| c.token)
        .collect();
    let topic = mart_events::Topic::OrderStatus.name(&args.topic_prefix);
    let watch = Watch::start(&args.kafka_brokers, &format!("mart-bench-{run}"), &topic)
        .await
        .with_context(|| format!("watching {topic}"))?;

    eprintln!("placing {total} orders at {}/s…", args.rate);
    let orders = Arc::new(Mutex::new(Vec::with_capacity(total)));
    let started = Instant::now();
    let lines = (!args.every.is_zero()).then(|| {
        let intervals = ((args.warmup + args.duration).as_secs_f64() / args.every.as_secs_f64())
            .floor() as usize;
        minutes::spawn(
            orders.clone(),
            watch.lookup(),
            started,
            args.every,
            intervals,
        )
    });
    place_all(
        args,
        &gql,
        &run,
        &customers,
        &products,
        orders.clone(),
        started,
    )
    .await;
    let measured_from = started + args.warmup;
    let accepted_ids: Vec<String> = orders
        .lock()
        .await
        .iter()
        .filter_map(|p| p.order_id.clone())
        .collect();
    let accepted: Vec<&str> = accepted_ids.iter().map(String::as_str).collect();
    let deadline = Instant::now() + args.settle;
    while watch.count_of(&accepted) < accepted.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let intervals = match lines {
        Some(task) => Some(task.await?),
        None => None,
    };
    // Taken only now: the interval lines read them until their last one.
    let placed = std::mem::take(&mut *orders.lock().await);
    let report = Report::new(placed, measured_from, |id| watch.get(id));
    watch.stop();
    Ok((report, intervals))
}

/// Orders the run places, warm-up included.
fn orders_in_run(args: &Args) -> usize {
    ((args.warmup + args.duration).as_secs_f64() * args.rate).ceil() as usize
}

async fn place_all(
    args: &Args,
    gql: &Arc<Gql>,
    run: &str,
    customers: &[String],
    products: &[String],
    orders: Arc<Mutex<Vec<Placed>>>,
    started: Instant,
) {
    let total = orders_in_run(args);
    let in_flight = Arc::new(Semaphore::new(args.max_in_flight));
    let mut tasks = Vec::with_capacity(total);
    for i in 0..total {
        let due = started + Duration::from_secs_f64(i as f64 / args.rate);
        tokio::time::sleep_until(due.into()).await;
        let permit = in_flight
            .clone()
            .acquire_owned()
            .await
            .expect("never closed");
        let token = customers[i % customers.len()].clone();
        let input = shop::order_input(
            &products[i % products.len()],
            &args.payment_token,
            &format!("bench-{run}-{i}"),
        );
        let (gql, orders) = (gql.clone(), orders.clone());
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let sent_at: DateTime<Utc> = Utc::now();
            let answer = gql
                .call(
                    Some(&token),
                    shop::PLACE_ORDER,
                    serde_json::json!({ "input": input }),
                )
                .await;
            let answered = sent.elapsed();
            drop(permit);
            let (order_id, failure) = match answer {
                Ok(data) => match data["placeOrder"]["id"].as_str() {
                    Some(id) => (Some(id.to_string()), None),
                    None => (None, Some(format!("no order id in {data}"))),
                },
                Err(e) => (None, Some(format!("{e:#}"))),
            };
            orders.lock().await.push(Placed {
                order_id,
                failure,
                sent,
                sent_at,
                answered,
            });
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
}
