//! Keeping a burst of identical failures from burying the log: one line per period
//! with how many happened, instead of a line each. Placement refusals came to 1,835
//! lines in 18 s when a soak at 200/s fell behind (bench/LOG.md, session 15), and a
//! restart of PostgreSQL under 10 orders/s to 856 "database unavailable" lines in 20 s.
//! Used by the services and the router alike, hence here.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// Lets one caller through per period: the first call, then the first after
/// `every` has passed since the last one let through.
pub struct Every {
    every: Duration,
    last: Mutex<Option<Instant>>,
}

impl Every {
    pub const fn new(every: Duration) -> Self {
        Self {
            every,
            last: Mutex::new(None),
        }
    }

    /// Whether this call is the one let through.
    pub fn due(&self) -> bool {
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
pub struct Tally {
    count: AtomicU64,
    reported: Every,
}

impl Tally {
    pub const fn new(every: Duration) -> Self {
        Self {
            count: AtomicU64::new(0),
            reported: Every::new(every),
        }
    }

    /// Counts one; `Some(n)` when it is time to report the `n` counted since the last
    /// report (this one included).
    pub fn add(&self) -> Option<u64> {
        self.count.fetch_add(1, Relaxed);
        self.reported.due().then(|| self.count.swap(0, Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_one_report_and_none_is_lost() {
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
