//! Chaos cases with real processes: the broker and the services are killed
//! with SIGKILL in the middle of a burst of orders and started again, and the
//! saga must settle every order by itself within a minute of the last restart:
//! exactly the stock sold, no payment authorized twice, the stock ledger
//! matching the levels. Each case prints how long the shop took to settle
//! after the last restart.

mod kafka_sasl;
mod shop;
mod system;
mod traces;
mod two_of_each;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mart_service::{ServiceName, testkit};

use shop::{ORDERS, Shopper};
use system::{Layout, System};

/// What is killed mid-burst.
#[derive(Debug, Clone, Copy)]
enum Fault {
    Broker,
    Service(ServiceName),
    /// The broker, then the service, then both started again.
    BrokerThenService(ServiceName),
}

/// How long a killed process stays down before it is started again.
const DOWNTIME: Duration = Duration::from_secs(2);

async fn case(system: &mut System, shopper: &Shopper, fault: Fault) {
    let product = shopper.product(&format!("{fault:?}")).await;
    let placed = Arc::new(AtomicUsize::new(0));
    let burst = shopper.burst(product.clone(), placed.clone());
    testkit::eventually(
        "a third of the burst placed",
        Duration::from_secs(120),
        || {
            let placed = placed.clone();
            async move { (placed.load(Ordering::Relaxed) >= ORDERS / 3).then_some(()) }
        },
    )
    .await;
    match fault {
        Fault::Broker => {
            system.kill_broker();
            tokio::time::sleep(DOWNTIME).await;
            system.start_broker().await;
        }
        Fault::Service(service) => {
            system.kill(service);
            tokio::time::sleep(DOWNTIME).await;
            system.restart(service);
        }
        Fault::BrokerThenService(service) => {
            system.kill_broker();
            tokio::time::sleep(DOWNTIME).await;
            system.kill(service);
            tokio::time::sleep(DOWNTIME).await;
            system.start_broker().await;
            system.restart(service);
        }
    }
    let restarted = Instant::now();
    system.wait_until_ready().await;
    let orders = burst.await.unwrap();
    let took = shop::settles(system, &product, &orders, restarted).await;
    println!(
        "chaos {fault:?}: {ORDERS} orders settled {:.1} s after the last restart",
        took.as_secs_f64()
    );
}

/// Every saga service's pipeline is clean; then the system stops.
async fn finish(system: System) {
    for service in [
        ServiceName::Inventory,
        ServiceName::Payments,
        ServiceName::Orders,
    ] {
        pipeline_is_clean(&system, service).await;
    }
    system.stop().await;
}

/// `/metrics` shows the pipeline (docs/events.md), with nothing dead-lettered.
async fn pipeline_is_clean(system: &System, service: ServiceName) {
    let metrics = system.metrics(service).await;
    for family in [
        "mart_consumer_lag{",
        "mart_consumer_stalled_seconds{",
        "mart_consumer_recoveries_total{",
        "mart_outbox_unsent{",
        "mart_outbox_oldest_unsent_seconds{",
    ] {
        assert!(
            metrics.contains(family),
            "{service} reports {family}: {metrics}"
        );
    }
    let dead: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("mart_dead_letters{") && !l.ends_with(" 0"))
        .collect();
    assert!(dead.is_empty(), "{service} dead-lettered nothing: {dead:?}");
    let recoveries: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("mart_consumer_recoveries_total{"))
        .collect();
    println!("{service}: {recoveries:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn separate_services_settle_every_order_after_kills() {
    let mut system = System::start("chaos_sep", Layout::Separate).await;
    // Past the router, a subgraph refuses what its secret did not sign.
    let products = format!(
        "http://127.0.0.1:{}/graphql",
        system.port(ServiceName::Products)
    );
    let unsigned = reqwest::Client::new()
        .post(&products)
        .json(&serde_json::json!({ "query": "{ __typename }" }))
        .send()
        .await
        .expect("products answers");
    assert_eq!(unsigned.status(), 401, "an unsigned request was answered");
    let shopper = Shopper::new(&system, "chaos-sep").await;
    for fault in [
        Fault::Broker,
        Fault::Service(ServiceName::Inventory),
        Fault::Service(ServiceName::Payments),
        Fault::Service(ServiceName::Orders),
        Fault::BrokerThenService(ServiceName::Inventory),
    ] {
        case(&mut system, &shopper, fault).await;
    }
    finish(system).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn one_process_settles_every_order_after_the_broker_and_then_mart_are_killed() {
    let mut system = System::start("chaos_up", Layout::OneProcess).await;
    let shopper = Shopper::new(&system, "chaos-up").await;
    case(
        &mut system,
        &shopper,
        Fault::BrokerThenService(ServiceName::Orders),
    )
    .await;
    finish(system).await;
}
