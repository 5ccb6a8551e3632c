//! Back-pressure at placement: while the saga is far behind, a new order is
//! refused at once with `SERVICE_UNAVAILABLE` instead of joining a queue that
//! only grows. Measured on two cores (bench/README.md, issue 19): once the
//! machine could not keep up, every order placed took longer to confirm, up to
//! 12–18 s; a client told "busy, retry shortly" can do something about it.
//!
//! The backlog is the number of orders waiting for stock or payment (PENDING or
//! RESERVED), read from the database at most once per [`REFRESH`], so one
//! instance of many sees the whole shop's backlog and a crash forgets nothing.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use mart_service::Database;

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
    /// Refusals are logged as one line per [`REFRESH`] with their count: a line each
    /// came to 1,835 lines in 18 s when a soak at 200/s fell behind (bench/LOG.md,
    /// session 15), burying everything else in the log.
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

/// Lets one caller through per period: the first call, then the first after
/// `every` has passed since the last one let through.
struct Every {
    every: Duration,
    last: Mutex<Option<Instant>>,
}

impl Every {
    fn new(every: Duration) -> Self {
        Self {
            every,
            last: Mutex::new(None),
        }
    }

    fn due(&self) -> bool {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        match *last {
            Some(at) if at.elapsed() < self.every => false,
            _ => {
                *last = Some(Instant::now());
                true
            }
        }
    }
}

/// Counts occurrences and lets them be reported at most once per period.
struct Tally {
    count: AtomicU64,
    reported: Every,
}

impl Tally {
    fn new(every: Duration) -> Self {
        Self {
            count: AtomicU64::new(0),
            reported: Every::new(every),
        }
    }

    /// Counts one; `Some(n)` when it is time to report the `n` counted since the last
    /// report (this one included).
    fn add(&self) -> Option<u64> {
        self.count.fetch_add(1, Relaxed);
        self.reported.due().then(|| self.count.swap(0, Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_refusals_is_one_report_and_none_is_lost() {
        let tally = Tally::new(Duration::from_secs(3600));
        assert_eq!(tally.add(), Some(1), "the first is reported at once");
        let reports: Vec<u64> = (0..1_000).filter_map(|_| tally.add()).collect();
        assert!(reports.is_empty(), "{reports:?}");
        // Once the period has passed, the next report carries everything since.
        let tally_now = Tally {
            reported: Every::new(Duration::ZERO),
            ..tally
        };
        assert_eq!(tally_now.add(), Some(1_001));
    }
}
