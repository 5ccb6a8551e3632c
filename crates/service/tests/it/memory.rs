//! After a burst, the connections a pool opened for it are closed again, so the
//! database's backends (and their memory) follow the load, not its peak.

use std::time::Duration;

use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use mart_service::memory::close_idle_connections;
use mart_service::testkit::isolated_config;

use crate::kafka_support::test_database;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bursts_surplus_connections_are_closed_once_idle() {
    let config = isolated_config("memory_idle");
    let db = test_database(&config).await;
    let pool = db.pool();

    // A burst: five requests at once, each holding a connection.
    let burst: Vec<_> = futures::future::join_all((0..5).map(|_| db.conn()))
        .await
        .into_iter()
        .map(|c| c.expect("connection"))
        .collect();
    drop(burst);
    assert_eq!(
        pool.status().size,
        5,
        "the pool keeps what the burst opened"
    );

    // Back to a steady trickle: one request at a time reuses the connection
    // returned last, so the other four go unused and can be closed.
    for _ in 0..10 {
        drop(db.conn().await.expect("connection"));
    }
    let mut served_the_trickle = 0;
    pool.retain(|_, metrics| {
        served_the_trickle += usize::from(metrics.recycle_count >= 10);
        true
    });
    assert_eq!(
        served_the_trickle, 1,
        "a steady load keeps one connection busy, not all five"
    );

    assert_eq!(
        close_idle_connections(pool, Duration::from_secs(3600)),
        0,
        "connections used within the idle time stay"
    );
    assert_eq!(pool.status().size, 5);

    assert_eq!(close_idle_connections(pool, Duration::ZERO), 5);
    assert_eq!(pool.status().size, 0);

    // The server sees the backends go, and the pool still serves (the probe's
    // own pooled connection is the one backend left).
    let db = &db;
    mart_service::testkit::eventually(
        "the closed connections' backends to exit",
        Duration::from_secs(10),
        || async move {
            let mut conn = db.conn().await.expect("a new connection after closing");
            let n = diesel::sql_query(
                "SELECT count(*)::bigint AS n FROM pg_stat_activity WHERE datname = $1",
            )
            .bind::<diesel::sql_types::Text, _>(db.name())
            .get_result::<Count>(&mut conn)
            .await
            .unwrap()
            .n;
            (n == 1).then_some(())
        },
    )
    .await;
    assert_eq!(pool.status().size, 1);
}
