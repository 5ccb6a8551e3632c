//! More than one of everything (issue 18): two processes of every subgraph and two
//! routers, topics of four partitions, one burst spread over both routers. The saga
//! settles with the invariants of the single-instance cases, and a customer subscribed
//! on either router sees each change of each of their orders once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use mart_bench::subscriber::{self, SharedLog};
use mart_service::ServiceName;
use tokio::sync::watch;

use super::shop::{self, ORDERS, Shopper};
use super::system::{Layout, System};

const UPDATES: &str = "subscription { myOrderUpdates { order { id } status at } }";

#[derive(QueryableByName)]
struct Change {
    #[diesel(sql_type = Text)]
    order_id: String,
    #[diesel(sql_type = Text)]
    status: String,
}

/// Each (order, status) a log holds, with how often.
fn seen(log: &SharedLog) -> BTreeMap<(String, String), usize> {
    let mut seen = BTreeMap::new();
    for update in &log.lock().unwrap().received {
        *seen
            .entry((update.order_id.clone(), update.status.clone()))
            .or_default() += 1;
    }
    seen
}

#[tokio::test(flavor = "multi_thread")]
async fn two_of_everything_settle_a_burst_over_both_routers_and_each_feed_sees_each_change_once() {
    let system = System::start("chaos_two", Layout::TwoOfEach).await;
    let shopper = Shopper::new(&system, "chaos-two").await;
    let customer = shopper.first_customer();

    // The customer watches their orders on each router.
    let (stop, stopped) = watch::channel(false);
    let mut feeds = Vec::new();
    for url in system.router_urls() {
        let ws = url.replacen("http://", "ws://", 1);
        let connected = subscriber::connect(&ws, &customer.token, Duration::from_secs(30))
            .await
            .unwrap();
        feeds.push(connected.subscribe(Arc::from(UPDATES), stopped.clone()));
    }

    let product = shopper.product("two of each").await;
    let started = Instant::now();
    let orders = shopper
        .burst(product.clone(), Arc::new(AtomicUsize::new(0)))
        .await
        .unwrap();
    assert_eq!(orders.len(), ORDERS);
    let took = shop::settles(&system, &product, &orders, started).await;
    println!("two of each: {ORDERS} orders over two routers settled in {took:?}");

    // Every status change of the customer's orders, as orders recorded them.
    let db = system.database(ServiceName::Orders).await;
    let mut conn = db.conn().await.unwrap();
    let truth: Vec<Change> = diesel::sql_query(
        "SELECT h.order_id::text AS order_id, h.status FROM order_status_history h \
         JOIN orders o ON o.id = h.order_id WHERE o.user_id = $1::uuid",
    )
    .bind::<Text, _>(&customer.user_id)
    .load(&mut conn)
    .await
    .unwrap();
    let expected: BTreeMap<(String, String), usize> = truth
        .into_iter()
        .map(|c| ((c.order_id, c.status), 1))
        .collect();
    assert!(
        expected.len() >= 2 * 3,
        "the customer's orders moved: {expected:?}"
    );
    for (at, (log, _)) in feeds.iter().enumerate() {
        let what = format!("router {}'s feed to show every change", at + 1);
        mart_service::testkit::eventually(&what, Duration::from_secs(30), || async {
            (seen(log).len() >= expected.len()).then_some(())
        })
        .await;
        let log_state = log.lock().unwrap();
        assert!(log_state.failure.is_none(), "{:?}", log_state.failure);
        assert!(log_state.ended.is_none(), "{:?}", log_state.ended);
        drop(log_state);
        assert_eq!(seen(log), expected, "router {}'s feed", at + 1);
    }
    stop.send(true).unwrap();
    for (_, task) in feeds {
        task.await.unwrap();
    }
    super::finish(system).await;
}
