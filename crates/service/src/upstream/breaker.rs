//! A circuit breaker: after `failure_threshold` failures in a row the dependency
//! is considered down and calls fail at once for `open_for`; then one trial call
//! is let through, and its result closes or reopens the circuit.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct BreakerSettings {
    /// Failures in a row that open the circuit. Default 5.
    pub failure_threshold: u32,
    /// How long an open circuit refuses calls. Default 5 s.
    pub open_for: Duration,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            open_for: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// One trial call is out; everyone else is refused until it reports.
    HalfOpen,
}

#[derive(Debug)]
pub struct CircuitBreaker {
    settings: BreakerSettings,
    state: Mutex<State>,
}

impl CircuitBreaker {
    pub fn new(settings: BreakerSettings) -> Self {
        Self {
            settings,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    /// `true` when a call may go out now.
    pub fn allow(&self) -> bool {
        self.allow_at(Instant::now())
    }

    pub fn record_success(&self) {
        *self.lock() = State::Closed { failures: 0 };
    }

    pub fn record_failure(&self) {
        self.record_failure_at(Instant::now());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is a plain value: a panic elsewhere cannot leave it half-written.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn allow_at(&self, now: Instant) -> bool {
        let mut state = self.lock();
        match *state {
            State::Closed { .. } => true,
            State::Open { until } if now >= until => {
                *state = State::HalfOpen;
                true
            }
            State::Open { .. } | State::HalfOpen => false,
        }
    }

    fn record_failure_at(&self, now: Instant) {
        let mut state = self.lock();
        let open = State::Open {
            until: now + self.settings.open_for,
        };
        *state = match *state {
            State::Closed { failures } if failures + 1 >= self.settings.failure_threshold => open,
            State::Closed { failures } => State::Closed {
                failures: failures + 1,
            },
            State::HalfOpen | State::Open { .. } => open,
        };
    }

    pub fn is_open(&self) -> bool {
        matches!(*self.lock(), State::Open { until } if Instant::now() < until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> CircuitBreaker {
        CircuitBreaker::new(BreakerSettings {
            failure_threshold: 3,
            open_for: Duration::from_secs(10),
        })
    }

    #[test]
    fn opens_after_consecutive_failures_only() {
        let b = breaker();
        let now = Instant::now();
        b.record_failure_at(now);
        b.record_failure_at(now);
        b.record_success();
        b.record_failure_at(now);
        b.record_failure_at(now);
        assert!(b.allow_at(now), "a success in between resets the count");
        b.record_failure_at(now);
        assert!(!b.allow_at(now + Duration::from_secs(9)));
    }

    #[test]
    fn lets_one_trial_through_after_the_pause() {
        let b = breaker();
        let now = Instant::now();
        for _ in 0..3 {
            b.record_failure_at(now);
        }
        let later = now + Duration::from_secs(10);
        assert!(b.allow_at(later), "the trial call");
        assert!(!b.allow_at(later), "only one trial at a time");
        b.record_success();
        assert!(b.allow_at(later));
    }

    #[test]
    fn a_failed_trial_reopens() {
        let b = breaker();
        let now = Instant::now();
        for _ in 0..3 {
            b.record_failure_at(now);
        }
        let later = now + Duration::from_secs(10);
        assert!(b.allow_at(later));
        b.record_failure_at(later);
        assert!(!b.allow_at(later + Duration::from_secs(9)));
        assert!(b.allow_at(later + Duration::from_secs(10)));
    }
}
