//! Keeping the pipeline's tables and topics from growing without end.
//!
//! - Topics are created with `cleanup.policy=delete` and [`TOPIC_RETENTION`]:
//!   the broker deletes older records (Apache Kafka by segment; tansu 0.6 every
//!   10 minutes, and only for topics that name `cleanup.policy` `delete`).
//! - Published outbox rows are deleted after [`Retention::published_outbox`]:
//!   nothing reads them once they are on the broker, except a dead letter
//!   waiting for replay, whose row is kept.
//! - `processed_events` rows are deleted after [`Retention::processed`], which
//!   outlives the topics' retention: an event can be delivered again only while
//!   the broker still holds it, so its id must be remembered at least as long.

use std::time::Duration;

use diesel::prelude::*;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use tokio_util::sync::CancellationToken;

/// How long the broker keeps records.
pub const TOPIC_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// Rows deleted per statement: a short lock and WAL burst, even after a long
/// time without pruning.
const CHUNK: i64 = 10_000;

// Both deletes name their rows by `ctid` (a TID scan), not by key: written as
// `key IN (SELECT key … LIMIT n)`, PostgreSQL joined the chunk against a
// sequential scan of the whole table, so each prune cost time in proportion to
// the table, not to what it removed. With `processed_events` at a million rows
// (`MART_BENCH_PREFILL=1000000 bench/orders.sh`; it keeps eight days, tens of
// millions of rows at 200 orders/s) a chunk took 229 ms by key and 4 ms by ctid
// (EXPLAIN ANALYZE, bench/LOG.md session 15). Rows here are never updated, so a
// ctid read in the subquery still names the same row in the delete.

#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// How long a published outbox row is kept (for an operator's eyes only).
    /// A minute: the orders service writes about 6 rows of ~800 bytes per order,
    /// so at 100 orders/s an hour's rows came to 1.8 GB in its database, far past
    /// PostgreSQL's cache, and each vacuum of the table rescanned its indexes
    /// (soak: 296 MB after 10 minutes, and commit latency rose with it).
    pub published_outbox: Duration,
    /// How long a consumer remembers an event it applied; must exceed
    /// [`TOPIC_RETENTION`].
    pub processed: Duration,
    /// How often pruning runs: often enough that the outbox holds about
    /// `published_outbox` plus this of rows.
    pub every: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            published_outbox: Duration::from_secs(60),
            processed: TOPIC_RETENTION + Duration::from_secs(24 * 3600),
            every: Duration::from_secs(30),
        }
    }
}

/// What one pruning removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub outbox: usize,
    pub processed: usize,
}

/// Deletes what `retention` lets go, a chunk at a time.
pub async fn prune(conn: &mut AsyncPgConnection, retention: &Retention) -> QueryResult<Pruned> {
    let mut pruned = Pruned::default();
    let outbox_before = interval(retention.published_outbox);
    loop {
        let n = diesel::sql_query(format!(
            "DELETE FROM outbox_events WHERE ctid = ANY(ARRAY(\
               SELECT o.ctid FROM outbox_events o \
               WHERE o.published_at < now() - interval '{outbox_before}' \
               AND NOT EXISTS (SELECT 1 FROM dead_letters d \
                 WHERE d.event_id = o.event_id AND d.replayed_at IS NULL) \
               LIMIT {CHUNK}))"
        ))
        .execute(conn)
        .await?;
        pruned.outbox += n;
        if (n as i64) < CHUNK {
            break;
        }
    }
    let processed_before = interval(retention.processed);
    loop {
        let n = diesel::sql_query(format!(
            "DELETE FROM processed_events WHERE ctid = ANY(ARRAY(\
               SELECT ctid FROM processed_events \
               WHERE processed_at < now() - interval '{processed_before}' LIMIT {CHUNK}))"
        ))
        .execute(conn)
        .await?;
        pruned.processed += n;
        if (n as i64) < CHUNK {
            break;
        }
    }
    Ok(pruned)
}

fn interval(d: Duration) -> String {
    format!("{} milliseconds", d.as_millis())
}

/// Prunes every [`Retention::every`] until `shutdown`; failures are logged and
/// tried again next time.
pub async fn run(pool: Pool<AsyncPgConnection>, retention: Retention, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(retention.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let outcome = match pool.get().await {
            Ok(mut conn) => prune(&mut conn, &retention)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match outcome {
            Ok(p) if p != Pruned::default() => {
                tracing::info!(
                    outbox = p.outbox,
                    processed = p.processed,
                    "pruned event tables"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = e, "pruning event tables failed"),
        }
    }
}
