//! Giving memory back after a burst: database connections the pool no longer
//! needs are closed, and the allocator returns the pages it freed.
//!
//! Why: in `bench/soak.sh --rate 100` a latency spike (a PostgreSQL checkpoint,
//! a slower minute of the shared machine) raised the number of requests in
//! flight for a few seconds. Each service's pool opened more connections to
//! serve them (37 → 44 backends in all) and kept them for good, and glibc kept
//! the memory those seconds used: `mart` went from 57 to 69 MB and PostgreSQL
//! from 291 to 318 MB at minute 12, and neither came down while the load went
//! back to normal. The fan-out benchmark saw the same after 1,000 WebSocket
//! sockets closed. A service's memory should follow its load, not its worst
//! moment.
//!
//! What it does, every [`Reclaim::every`]:
//! - closes pooled connections unused for [`Reclaim::idle_for`]. The pool
//!   hands out the most recently returned connection first
//!   ([`crate::db::Database`] builds it LIFO), so under a steady load the
//!   same few connections stay busy and the surplus of a burst goes idle;
//! - asks glibc to return free pages of every arena to the system
//!   (`malloc_trim`), at most once per period for the whole process, since
//!   `mart up` runs several services in one. glibc returns memory by itself
//!   only from the top of its main heap; freed blocks inside an arena stay
//!   resident.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::db::PgPool;

/// How often, and after how long idle.
#[derive(Debug, Clone, Copy)]
pub struct Reclaim {
    /// 30 s: a round costs a pass over the pool and one `malloc_trim`
    /// (about a millisecond for the ~60 MB heap of `mart up`).
    pub every: Duration,
    /// A connection unused this long is closed. 60 s: a pool that served a
    /// steady load keeps its connections through pauses of a minute, and
    /// reopening one costs a few milliseconds.
    pub idle_for: Duration,
}

impl Default for Reclaim {
    fn default() -> Self {
        Self {
            every: Duration::from_secs(30),
            idle_for: Duration::from_secs(60),
        }
    }
}

/// What was given back, for `/metrics`.
#[derive(Debug, Default)]
pub struct ReclaimStats {
    pub connections_closed: AtomicU64,
}

impl ReclaimStats {
    /// The help text of [`Self::record`]'s series, once per registry.
    pub fn describe(registry: &mart_telemetry::Registry) {
        registry.describe_counter(CLOSED, "Pooled connections closed after going unused.");
        registry.describe_gauge(
            HEAP,
            "The process's heap: bytes in use, and bytes the allocator holds free.",
        );
    }

    /// Sets `service`'s idle connections closed, and the process's heap, in `registry`.
    pub fn record(&self, registry: &mart_telemetry::Registry, service: &'static str) {
        registry
            .counter(CLOSED, &[("service", service)])
            .absolute(self.connections_closed.load(Ordering::Relaxed));
        record_heap(registry, service);
    }
}

/// The process's heap as the allocator sees it. `mart up` runs every service
/// in one process, so each of them reports the same figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeapUsage {
    /// Bytes in live allocations (including those mapped on their own).
    pub in_use: u64,
    /// Bytes the allocator holds free inside its arenas: what a trim can give
    /// back only where whole pages are free. A resident size that grows while
    /// `in_use` stays flat is fragmentation, not a leak.
    pub free: u64,
}

/// The current [`HeapUsage`], where the allocator can tell (glibc).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn heap_usage() -> Option<HeapUsage> {
    // SAFETY: mallinfo2 only reads the allocator's counters (under each
    // arena's lock) and returns them by value.
    let info = unsafe { libc::mallinfo2() };
    Some(HeapUsage {
        in_use: (info.uordblks + info.hblkhd) as u64,
        free: info.fordblks as u64,
    })
}

/// Other allocators keep their own statistics.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn heap_usage() -> Option<HeapUsage> {
    None
}

const CLOSED: &str = "mart_db_idle_connections_closed_total";
const HEAP: &str = "mart_process_heap_bytes";

fn record_heap(registry: &mart_telemetry::Registry, service: &'static str) {
    let Some(heap) = heap_usage() else {
        return;
    };
    for (state, bytes) in [("in_use", heap.in_use), ("free", heap.free)] {
        registry
            .gauge(HEAP, &[("service", service), ("state", state)])
            .set(bytes as f64);
    }
}

/// Closes the connections of `pool` unused for at least `idle_for` (those
/// checked out are not in the pool, so never touched); returns how many.
pub fn close_idle_connections(pool: &PgPool, idle_for: Duration) -> usize {
    pool.retain(|_, metrics| metrics.last_used() < idle_for)
        .removed
        .len()
}

/// Runs the rounds for one service's `pool` until `shutdown`.
pub async fn run(
    pool: PgPool,
    reclaim: Reclaim,
    stats: Arc<ReclaimStats>,
    shutdown: CancellationToken,
) {
    let mut tick = tokio::time::interval(reclaim.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let closed = close_idle_connections(&pool, reclaim.idle_for);
        if closed > 0 {
            stats
                .connections_closed
                .fetch_add(closed as u64, Ordering::Relaxed);
            tracing::debug!(closed, "closed idle database connections");
        }
        trim_if_due(reclaim.every).await;
    }
}

/// Trims the allocator every `every` until `shutdown`: for a process that runs
/// no subgraph (`mart serve router`), whose WebSocket and SSE clients come and
/// go in thousands.
pub async fn trim_periodically(every: Duration, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        trim_if_due(every).await;
    }
}

async fn trim_if_due(every: Duration) {
    if trim_due(every) {
        // It walks every arena under its lock: off the async workers.
        let _ = tokio::task::spawn_blocking(trim_allocator).await;
    }
}

/// Whether this process's allocator was last trimmed about `every` ago (and if
/// so, records that it is being trimmed now). "About": a timer ticking every
/// `every` can measure a hair less than that between two of its ticks, and an
/// exact comparison then skipped every other round (seen in the fan-out bench:
/// the router kept 40 KB per closed socket for a minute).
fn trim_due(every: Duration) -> bool {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    static LAST_MS: AtomicU64 = AtomicU64::new(0);
    let now_ms = START.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1;
    claim_round(&LAST_MS, now_ms, every)
}

/// Records `now_ms` in `last_ms` if the last round was about `every` ago (or
/// none ran yet, 0); returns whether this caller won the round.
fn claim_round(last_ms: &AtomicU64, now_ms: u64, every: Duration) -> bool {
    let last = last_ms.load(Ordering::Relaxed);
    let due_after = every.as_millis() as u64 * 9 / 10;
    (last == 0 || now_ms.saturating_sub(last) >= due_after)
        && last_ms
            .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
}

/// Returns free pages of every glibc arena to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn trim_allocator() {
    // SAFETY: malloc_trim only releases memory the allocator holds free; it is
    // safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators return memory on their own terms.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn trim_allocator() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_round_per_period_for_the_whole_process() {
        let last = AtomicU64::new(0);
        let every = Duration::from_secs(30);
        assert!(claim_round(&last, 1_000, every), "the first round runs");
        // Another service of the same process, a few seconds later.
        assert!(!claim_round(&last, 4_000, every));
        assert!(claim_round(&last, 31_000, every));
    }

    #[test]
    fn a_timer_a_hair_early_still_trims() {
        let last = AtomicU64::new(0);
        let every = Duration::from_secs(30);
        assert!(claim_round(&last, 1_000, every));
        assert!(claim_round(&last, 30_999, every), "29.999 s after the last");
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn heap_usage_counts_what_is_allocated_and_freed() {
        const SIZE: usize = 32 << 20;
        // The counters are the whole process's, and `cargo test` runs other tests on
        // other threads meanwhile (one freed 18 KB between two readings here): half
        // the block is the margin, far above what they hold and far below the block.
        const SEEN: u64 = SIZE as u64 / 2;
        let before = heap_usage().expect("glibc reports its heap");
        let block = std::hint::black_box(vec![1u8; SIZE]);
        let during = heap_usage().unwrap();
        assert!(
            during.in_use >= before.in_use + SEEN,
            "{before:?} then {during:?} with {SIZE} bytes allocated"
        );
        drop(block);
        let after = heap_usage().unwrap();
        assert!(
            after.in_use + SEEN <= during.in_use,
            "{during:?} then {after:?}"
        );
        let registry = mart_telemetry::Registry::new();
        ReclaimStats::default().record(&registry, "orders");
        let metrics = registry.render();
        assert!(
            metrics.contains("mart_process_heap_bytes{service=\"orders\",state=\"in_use\"} "),
            "{metrics}"
        );
    }
}
