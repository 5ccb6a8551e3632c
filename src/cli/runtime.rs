//! The async runtime each command runs on, sized by `MART_WORKER_THREADS`.
//!
//! tokio's default is one worker thread per core. `mart up` runs every service in one
//! process, and on the machine it is made for (a developer's, or one small host) it
//! shares the cores with PostgreSQL and the broker. There, a worker per core mostly
//! wakes the other workers: at 200 orders/s on two cores, `mart up` used 0.55 of a core
//! with two workers, and its profile spent ~17 % of it switching threads (parking in
//! `epoll_wait` and futexes, waking the other worker for a task one could run). With one
//! worker it used 10 % less CPU with the same latency, and still kept up at 300 orders/s
//! (bench/LOG.md, session 22). So `mart up` takes half the cores; `mart serve`, one
//! service per container, keeps tokio's default.

use anyhow::{Context, Result, bail};

/// The variable that overrides the default.
pub const WORKER_THREADS: &str = "MART_WORKER_THREADS";

/// The most threads a setting may ask for: far beyond any machine's use, but bounded.
const MOST: usize = 1024;

/// Builds the multi-threaded runtime for a command; `shares_machine` is `mart up`'s case.
pub fn build(shares_machine: bool) -> Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let setting = std::env::var(WORKER_THREADS).ok();
    let workers = worker_threads(setting.as_deref(), cores, shares_machine)?;
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// How many workers: the setting when given (a positive integer), else half the cores
/// (at least one) for a process that shares its machine, else every core.
fn worker_threads(setting: Option<&str>, cores: usize, shares_machine: bool) -> Result<usize> {
    match setting.map(str::trim).filter(|s| !s.is_empty()) {
        Some(value) => match value.parse::<usize>() {
            Ok(n) if (1..=MOST).contains(&n) => Ok(n),
            _ => bail!("{WORKER_THREADS}={value:?}: expected an integer from 1 to {MOST}"),
        },
        None if shares_machine => Ok((cores / 2).max(1)),
        None => Ok(cores.max(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mart_up_takes_half_the_cores_and_serve_all_of_them() {
        assert_eq!(worker_threads(None, 2, true).unwrap(), 1);
        assert_eq!(worker_threads(None, 1, true).unwrap(), 1);
        assert_eq!(worker_threads(None, 8, true).unwrap(), 4);
        assert_eq!(worker_threads(None, 2, false).unwrap(), 2);
        assert_eq!(worker_threads(Some(""), 8, false).unwrap(), 8);
    }

    #[test]
    fn a_setting_wins_when_it_is_a_sensible_count() {
        assert_eq!(worker_threads(Some("3"), 2, true).unwrap(), 3);
        assert_eq!(worker_threads(Some(" 2 "), 8, true).unwrap(), 2);
        for bad in ["0", "-1", "two", "1025", "1.5"] {
            let error = worker_threads(Some(bad), 2, true).unwrap_err().to_string();
            assert!(error.contains(WORKER_THREADS), "{bad}: {error}");
        }
    }
}
