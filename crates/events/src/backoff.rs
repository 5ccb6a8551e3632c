//! Capped exponential backoff with full jitter, for retrying transient failures
//! (a database or broker that is restarting). Jitter keeps the seven services of
//! one deployment, all failing at the same moment, from retrying in lockstep
//! against the component that is trying to come back.

use std::time::Duration;

/// First delay.
const INITIAL: Duration = Duration::from_millis(100);
/// Longest delay: a broker or database that comes back is used again within
/// this much (the saga's recovery time after a restart depends on it).
const CAP: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub struct Backoff {
    ceiling: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new()
    }
}

impl Backoff {
    pub fn new() -> Self {
        Self { ceiling: INITIAL }
    }

    /// A delay drawn uniformly from half the current ceiling up to it; the
    /// ceiling doubles up to [`CAP`].
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.ceiling;
        self.ceiling = (self.ceiling * 2).min(CAP);
        let half = ceiling / 2;
        let spread = half.as_micros() as u64;
        half + Duration::from_micros(random() % spread.max(1))
    }

    /// After a success: the next failure starts again from the first delay.
    pub fn reset(&mut self) {
        self.ceiling = INITIAL;
    }
}

fn random() -> u64 {
    // A v4 UUID is 122 random bits from the OS; no extra dependency needed.
    uuid::Uuid::new_v4().as_u64_pair().0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_within_their_bounds_up_to_the_cap_and_restart_after_reset() {
        let mut backoff = Backoff::new();
        let mut ceiling = INITIAL;
        for _ in 0..12 {
            let d = backoff.next_delay();
            assert!(d >= ceiling / 2 && d <= ceiling, "{d:?} within {ceiling:?}");
            ceiling = (ceiling * 2).min(CAP);
        }
        assert_eq!(backoff.ceiling, CAP);
        backoff.reset();
        assert!(backoff.next_delay() <= INITIAL);
    }
}
