//! Back-pressure at placement: while the saga is far behind, a new order is
//! refused at once with `SERVICE_UNAVAILABLE` instead of joining a queue that
//! only grows. Measured on two cores (bench/README.md, issue 19): once the
//! machine could not keep up, every order placed took longer to confirm, up to
//! 12–18 s; a client told "busy, retry shortly" can do something about it.
//!
//! The backlog is the number of orders waiting for stock or payment (PENDING or
//! RESERVED), read from the database at most once per [`REFRESH`], so one
//! instance of many sees the whole shop's backlog and a crash forgets nothing.

use std::sync::atomic::{AtomicI64, Ordering::Relaxed};
use std::time::Duration;

use mart_service::Database;
use mart_telemetry::log_rate::{Every, Tally};

use super::OrdersError;
use crate::storage;

/// How stale the backlog figure may be. Placement's other queries take a few
/// milliseconds; one count a second costs nothing next to them.
pub const REFRESH: Duration = Duration::from_secs(1);

pub struct Admission {
    /// Most orders waiting before placement is refused (0: never refuse).
    limit: i64,
    waiting: AtomicI64,
    /// Who counts the backlog next (one caller per [`REFRESH`]).
    counted: Every,
    /// Refusals are logged as one line per [`REFRESH`] with their count.
    refusals: Tally,
}

impl Admission {
    pub fn new(limit: i64) -> Self {
        Self {
            limit,
            waiting: AtomicI64::new(0),
            counted: Every::new(REFRESH),
            refusals: Tally::new(REFRESH),
        }
    }

    /// [`OrdersError::Busy`] while `limit` or more orders wait.
    pub async fn check(&self, db: &Database) -> Result<(), OrdersError> {
        if self.limit <= 0 {
            return Ok(());
        }
        if self.counted.due() {
            // A failed count keeps the last figure: placement itself will
            // report a database that is down.
            if let Ok(mut conn) = db.conn().await
                && let Ok(n) = storage::count_waiting(&mut conn).await
            {
                self.waiting.store(n, Relaxed);
            }
        }
        let waiting = self.waiting.load(Relaxed);
        if waiting >= self.limit {
            if let Some(refused) = self.refusals.add() {
                tracing::warn!(
                    waiting,
                    limit = self.limit,
                    refused,
                    "placements refused: the saga is behind"
                );
            }
            return Err(OrdersError::Busy { waiting });
        }
        Ok(())
    }
}
