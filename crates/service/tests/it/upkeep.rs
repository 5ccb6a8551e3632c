//! Churned tables are vacuumed by the service itself, so dead row versions do not
//! pile up in its indexes even on a server whose autovacuum is off or slow.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use mart_service::testkit::isolated_config;
use mart_service::upkeep::{Upkeep, UpkeepStats, due};
use tokio_util::sync::CancellationToken;

use crate::kafka_support::test_database;

#[derive(QueryableByName)]
struct Dead {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn dead_versions(conn: &mut AsyncPgConnection) -> i64 {
    diesel::sql_query(
        "SELECT coalesce(sum(n_dead_tup), 0)::bigint AS n FROM pg_stat_user_tables \
         WHERE relname = 'churn'",
    )
    .get_result::<Dead>(conn)
    .await
    .unwrap()
    .n
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_rewritten_many_times_leave_no_dead_versions_behind() {
    let config = isolated_config("upkeep_vacuum");
    let db = test_database(&config).await;
    let mut conn = db.conn().await.unwrap();
    // Autovacuum may or may not be on for this server: take it out of the
    // picture for this table, so what cleans it up can only be the service.
    diesel::sql_query(
        "CREATE TABLE churn (id INT PRIMARY KEY, status TEXT NOT NULL) \
         WITH (autovacuum_enabled = false)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    diesel::sql_query("CREATE INDEX churn_waiting ON churn (id) WHERE status = 'WAITING'")
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::sql_query("INSERT INTO churn SELECT g, 'WAITING' FROM generate_series(1, 5000) g")
        .execute(&mut conn)
        .await
        .unwrap();
    // Like an order moving through the saga: every row rewritten three times.
    for status in ["RESERVED", "PAID", "SHIPPED"] {
        diesel::sql_query(format!("UPDATE churn SET status = '{status}'"))
            .execute(&mut conn)
            .await
            .unwrap();
    }

    // The statistics reach the server's counters within a second or so.
    let deadline = Instant::now() + Duration::from_secs(20);
    while dead_versions(&mut conn).await < 10_000 {
        assert!(Instant::now() < deadline, "the updates were never counted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let upkeep = Upkeep {
        every: Duration::from_millis(200),
        ..Upkeep::default()
    };
    let found = due(&mut conn, &upkeep).await.unwrap();
    assert!(
        found.iter().any(|d| d.table == "churn" && d.vacuum),
        "churn is due for a vacuum: {found:?}"
    );

    let stats = Arc::new(UpkeepStats::default());
    let stop = CancellationToken::new();
    let task = tokio::spawn(mart_service::upkeep::run(
        db.pool().clone(),
        upkeep,
        stats.clone(),
        stop.clone(),
    ));
    // The service counts its vacuum once the statement has returned, which may be just
    // after the server's counters show the table clean: both are waited for.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let dead = dead_versions(&mut conn).await;
        let vacuums = std::sync::atomic::AtomicU64::load(&stats.vacuums, Ordering::Relaxed);
        if dead < upkeep.min_dead && vacuums >= 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still {dead} dead versions, {vacuums} vacuums"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The connection that vacuumed is closed, not pooled: no backend of this
    // database but the test's own started before the vacuum ended.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // -1 until the vacuum's end is recorded.
        let older = diesel::sql_query(
            "SELECT CASE WHEN v.last_vacuum IS NULL THEN -1 ELSE ( \
               SELECT count(*) FROM pg_stat_activity a \
               WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() \
               AND a.backend_type = 'client backend' AND a.backend_start < v.last_vacuum \
             ) END AS n FROM pg_stat_user_tables v WHERE v.relname = 'churn'",
        )
        .get_result::<Dead>(&mut conn)
        .await
        .unwrap()
        .n;
        if older == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{older} backend(s) that were open during the vacuum are still pooled"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        std::sync::atomic::AtomicU64::load(&stats.failures, Ordering::Relaxed),
        0
    );
    let registry = mart_telemetry::Registry::new();
    stats.record(&registry, "widgets");
    let text = registry.render();
    let vacuums: Option<u64> = text.lines().find_map(|l| {
        l.strip_prefix("mart_db_upkeep_total{service=\"widgets\",kind=\"vacuum\"} ")?
            .parse()
            .ok()
    });
    assert!(
        vacuums.is_some_and(|n| n >= 1),
        "the count is exported: {text}"
    );
    // Clean now: nothing more is due for a vacuum.
    let found = due(&mut conn, &upkeep).await.unwrap();
    assert!(
        !found.iter().any(|d| d.table == "churn" && d.vacuum),
        "{found:?}"
    );
    stop.cancel();
    task.await.unwrap();
}
