//! Vacuuming and analysing the service's own tables as they churn, whether or not
//! the PostgreSQL server's autovacuum does.
//!
//! Why the service does this itself: the saga rewrites its hot rows several times
//! per order (an order's status four times, each outbox row once when it is
//! published). Every rewrite leaves a dead row version, and every dead version
//! stays in the indexes until a vacuum removes it. Measured with
//! `bench/soak.sh --rate 100` on a server started with `autovacuum = off` (as this
//! project's CI machines are): after 8 minutes the orders table held 148,000 dead
//! versions beside 49,000 live rows, counting the waiting orders through their
//! partial index read 2,455 buffers for 38 rows (1.3 ms became 10.7 ms), and
//! PostgreSQL's CPU per order rose minute by minute. Autovacuum's default
//! trigger (20 % of the table dead) also lets a large table's partial indexes
//! bloat long before it fires, so the thresholds here are lower.
//!
//! What it does: every [`Upkeep::every`] it reads `pg_stat_user_tables` for the
//! tables of its own schema and runs `VACUUM (SKIP_LOCKED)` on those past a
//! threshold, `ANALYZE` on those whose statistics are stale and were not
//! refreshed lately. `SKIP_LOCKED` means it never queues behind an autovacuum
//! worker already on that table, and a table vacuumed within the last period by
//! anyone is left alone.
//!
//! It must not hurt the saga it protects. A first version vacuumed and analysed
//! at full speed every 30 s, all services in step: in the soak, some service was
//! vacuuming or analysing at almost every instant, the outbox's `ANALYZE` ran
//! every round (insert, update and delete each count as a change), and
//! placeOrder's p99 went from ~100 ms to 680 ms. So: vacuums are throttled like
//! autovacuum's (`vacuum_cost_delay`), statistics are refreshed at most every
//! [`Upkeep::analyze_every`] (VACUUM already keeps the planner's row and page
//! counts current), and each service starts its rounds at a random point of the
//! period.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use tokio_util::sync::CancellationToken;

use crate::db::PgPool;

/// When a table is due, and how often to look.
#[derive(Debug, Clone, Copy)]
pub struct Upkeep {
    /// How often the statistics are read. 30 s: at 100 orders/s the orders
    /// table gains 12,000 dead versions in that time, which a vacuum of the
    /// recently written pages clears in tens of milliseconds.
    pub every: Duration,
    /// A table is vacuumed once it has at least this many dead row versions…
    pub min_dead: i64,
    /// …and they are at least this fraction of its live rows (autovacuum's
    /// default is 0.2; lower, because partial indexes over a few live rows
    /// suffer from dead entries long before 20 % of a large table is dead).
    pub dead_fraction: f64,
    /// Insert-only tables are vacuumed after this fraction of new rows, so the
    /// visibility map stays current for index-only scans.
    pub inserted_fraction: f64,
    /// Statistics are refreshed once this fraction of rows changed since the
    /// last `ANALYZE` (autovacuum's default is 0.1)…
    pub analyze_fraction: f64,
    /// …and no sooner than this after the last one.
    pub analyze_every: Duration,
    /// Milliseconds a vacuum sleeps each time it has done
    /// `vacuum_cost_limit` of work: autovacuum's own default (2 ms) spreads
    /// its reads and WAL so that the saga's commits do not queue behind them.
    pub vacuum_cost_delay_ms: u32,
}

impl Default for Upkeep {
    fn default() -> Self {
        Self {
            every: Duration::from_secs(30),
            min_dead: 1_000,
            dead_fraction: 0.05,
            inserted_fraction: 0.2,
            analyze_fraction: 0.1,
            analyze_every: Duration::from_secs(600),
            vacuum_cost_delay_ms: 2,
        }
    }
}

/// What upkeep did since the service started, for `/metrics`.
#[derive(Debug, Default)]
pub struct UpkeepStats {
    pub vacuums: AtomicU64,
    pub analyzes: AtomicU64,
    pub failures: AtomicU64,
}

const UPKEEP: &str = "mart_db_upkeep_total";

impl UpkeepStats {
    /// The help text of [`Self::record`]'s counter, once per registry.
    pub fn describe(registry: &mart_telemetry::Registry) {
        registry.describe_counter(
            UPKEEP,
            "Vacuums and analyses the service ran on its own tables.",
        );
    }

    /// Sets `service`'s upkeep counters in `registry`.
    pub fn record(&self, registry: &mart_telemetry::Registry, service: &'static str) {
        for (kind, n) in [
            ("vacuum", &self.vacuums),
            ("analyze", &self.analyzes),
            ("failed", &self.failures),
        ] {
            registry
                .counter(UPKEEP, &[("service", service), ("kind", kind)])
                .absolute(n.load(Ordering::Relaxed));
        }
    }
}

/// A table found due, and for what.
#[derive(Debug, QueryableByName, PartialEq, Eq)]
pub struct Due {
    #[diesel(sql_type = Text)]
    pub table: String,
    /// `true`: vacuum; `false`: analyse.
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub vacuum: bool,
}

/// The tables of the connection's schema that `upkeep` says are due.
pub async fn due(conn: &mut AsyncPgConnection, upkeep: &Upkeep) -> QueryResult<Vec<Due>> {
    diesel::sql_query(
        "WITH s AS (
           SELECT relname,
                  n_dead_tup >= greatest($1, $2 * n_live_tup) AS dead,
                  n_ins_since_vacuum >= greatest($1, $3 * n_live_tup) AS inserted,
                  n_mod_since_analyze >= greatest($1, $4 * n_live_tup) AS stale,
                  coalesce(greatest(last_vacuum, last_autovacuum), 'epoch')
                    > now() - make_interval(secs => $5) AS vacuumed_lately,
                  coalesce(greatest(last_analyze, last_autoanalyze), 'epoch')
                    > now() - make_interval(secs => $6) AS analyzed_lately
           FROM pg_stat_user_tables
           WHERE schemaname = current_schema())
         SELECT relname AS table, (dead OR inserted) AND NOT vacuumed_lately AS vacuum
         FROM s
         WHERE ((dead OR inserted) AND NOT vacuumed_lately) OR (stale AND NOT analyzed_lately)
         ORDER BY relname",
    )
    .bind::<BigInt, _>(upkeep.min_dead)
    .bind::<Double, _>(upkeep.dead_fraction)
    .bind::<Double, _>(upkeep.inserted_fraction)
    .bind::<Double, _>(upkeep.analyze_fraction)
    .bind::<Double, _>(upkeep.every.as_secs_f64())
    .bind::<Double, _>(upkeep.analyze_every.as_secs_f64())
    .load(conn)
    .await
}

/// Vacuums or analyses each table of `due`; the first failure stops the round.
pub async fn tend(
    conn: &mut AsyncPgConnection,
    upkeep: &Upkeep,
    due: &[Due],
    stats: &UpkeepStats,
) -> QueryResult<()> {
    if due.iter().any(|d| d.vacuum) {
        // A session setting, on a pooled connection: put back after the round.
        conn.batch_execute(&format!(
            "SET vacuum_cost_delay = {}",
            upkeep.vacuum_cost_delay_ms
        ))
        .await?;
    }
    let outcome = tend_each(conn, due, stats).await;
    if due.iter().any(|d| d.vacuum) {
        conn.batch_execute("RESET vacuum_cost_delay").await?;
    }
    outcome
}

async fn tend_each(
    conn: &mut AsyncPgConnection,
    due: &[Due],
    stats: &UpkeepStats,
) -> QueryResult<()> {
    for d in due {
        // The name comes from the catalogue; quoting keeps any name one identifier.
        let table = format!("\"{}\"", d.table.replace('"', "\"\""));
        if d.vacuum {
            // VACUUM cannot run inside a transaction block: a simple query is
            // its own implicit transaction.
            conn.batch_execute(&format!("VACUUM (SKIP_LOCKED) {table}"))
                .await?;
            stats.vacuums.fetch_add(1, Ordering::Relaxed);
        } else {
            conn.batch_execute(&format!("ANALYZE (SKIP_LOCKED) {table}"))
                .await?;
            stats.analyzes.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(())
}

/// Tends the tables every [`Upkeep::every`] until `shutdown`; failures are
/// logged, counted and tried again next time.
pub async fn run(
    pool: PgPool,
    upkeep: Upkeep,
    stats: Arc<UpkeepStats>,
    shutdown: CancellationToken,
) {
    // Services started together would otherwise vacuum together.
    let offset = upkeep.every.mul_f64(rand_fraction());
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + offset, upkeep.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let outcome = match pool.get().await {
            Ok(mut conn) => {
                let outcome = match due(&mut conn, &upkeep).await {
                    Ok(due) => tend(&mut conn, &upkeep, &due, &stats).await.map(|()| due),
                    Err(e) => Err(e),
                };
                // A backend keeps the memory a VACUUM or ANALYZE took
                // (maintenance_work_mem, the sampled rows) for as long as it
                // lives, and the pool would keep it for the saga: in the soak,
                // the pooled backends that had tended a table held a few MB
                // more each. Such a connection is closed instead of returned.
                if !matches!(&outcome, Ok(due) if due.is_empty()) {
                    drop(crate::db::PgConn::take(conn));
                }
                outcome.map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        };
        match outcome {
            Ok(due) if !due.is_empty() => {
                let tables: Vec<&str> = due.iter().map(|d| d.table.as_str()).collect();
                tracing::debug!(?tables, "vacuumed or analysed tables");
            }
            Ok(_) => {}
            Err(e) => {
                stats.failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = e, "table upkeep failed");
            }
        }
    }
}

/// A fraction in [0, 1) that differs between processes and runs.
fn rand_fraction() -> f64 {
    (uuid::Uuid::new_v4().as_u64_pair().0 >> 11) as f64 / (1u64 << 53) as f64
}
