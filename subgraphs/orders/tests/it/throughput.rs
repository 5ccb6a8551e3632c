//! A measurement, not a timed test (ignored by default): how many orders are
//! accepted per second and how long each takes from placement to CONFIRMED.
//! `cargo test -p mart-orders --release --test it throughput -- --ignored --nocapture`

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Double};
use diesel_async::RunQueryDsl;
use futures::StreamExt;
use mart_service::testkit;

use crate::support::{Shop, order_input};

const ORDERS: usize = 1000;
const CONCURRENCY: usize = 32;

#[derive(QueryableByName)]
struct Latency {
    #[diesel(sql_type = BigInt)]
    confirmed: i64,
    #[diesel(sql_type = Double)]
    p50_ms: f64,
    #[diesel(sql_type = Double)]
    p99_ms: f64,
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement; run explicitly"]
async fn placement_rate_and_time_to_confirmed() {
    let shop = Arc::new(Shop::start("throughput").await);
    let mug = shop.product(250, 100, 100_000).await;
    let customers: Arc<Vec<_>> = Arc::new((0..50).map(|_| shop.customer()).collect());
    let started = Instant::now();
    let accepted = futures::stream::iter(0..ORDERS)
        .map(|i| {
            let (shop, customers) = (shop.clone(), customers.clone());
            async move {
                let who = &customers[i % customers.len()];
                shop.place_ok(who, order_input(&[(mug, 1)], "tok_ok", &format!("t-{i}")))
                    .await
            }
        })
        .buffer_unordered(CONCURRENCY)
        .count()
        .await;
    let placing = started.elapsed();
    let measure = || async {
        let mut conn = shop.orders_db.conn().await.unwrap();
        let rows: Vec<Latency> = diesel::sql_query(
            "SELECT count(*) AS confirmed, \
             coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), 0) AS p50_ms, \
             coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), 0) AS p99_ms \
             FROM (SELECT extract(epoch FROM h.at - o.created_at) * 1000 AS ms \
                   FROM orders o JOIN order_status_history h ON h.order_id = o.id \
                   WHERE h.status = 'CONFIRMED') t",
        )
        .load(&mut conn)
        .await
        .unwrap();
        rows.into_iter().next().unwrap()
    };
    let latency = testkit::eventually(
        "every order confirmed",
        Duration::from_secs(300),
        || async {
            let l = measure().await;
            (l.confirmed as usize == ORDERS).then_some(l)
        },
    )
    .await;
    println!(
        "{accepted} orders accepted in {placing:?} ({:.0}/s at concurrency {CONCURRENCY}); \
         placement to CONFIRMED p50 {:.0} ms, p99 {:.0} ms",
        accepted as f64 / placing.as_secs_f64(),
        latency.p50_ms,
        latency.p99_ms
    );
    Arc::into_inner(shop).unwrap().stop().await;
}
