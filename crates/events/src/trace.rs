//! The W3C trace context of the work in progress: an event written while a request is
//! handled carries the request's `traceparent` in its envelope, and an event written while
//! a consumer's round handles another event of the same aggregate (the same order) carries
//! that event's consume span (when traces are exported), so one order's trace runs on
//! through every hop of the saga.

use std::collections::HashMap;
use std::future::Future;

tokio::task_local! {
    static CURRENT: String;
    static ROUND: HashMap<String, String>;
}

/// Runs a consumer round's `work` with `by_aggregate` (aggregate id → the `traceparent` of
/// the span that handles that aggregate's event): events written for an aggregate in the
/// round continue its trace.
pub async fn scope_round<F: Future>(by_aggregate: HashMap<String, String>, work: F) -> F::Output {
    if by_aggregate.is_empty() {
        return work.await;
    }
    ROUND.scope(by_aggregate, work).await
}

/// The trace context for an event about `aggregate_id`: the round's span for it, else the
/// task's.
pub fn current_for(aggregate_id: &str) -> Option<String> {
    ROUND
        .try_with(|round| round.get(aggregate_id).cloned())
        .ok()
        .flatten()
        .or_else(current)
}

/// Runs `work` with `traceparent` as the current trace context, when it is a valid one.
pub async fn scope<F: Future>(traceparent: Option<String>, work: F) -> F::Output {
    match traceparent.filter(|t| valid(t)) {
        Some(traceparent) => CURRENT.scope(traceparent, work).await,
        None => work.await,
    }
}

/// The trace context the current task runs in, if any.
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

/// `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`, neither id all zeros (W3C
/// Trace Context, version 00).
pub fn valid(traceparent: &str) -> bool {
    let parts: Vec<&str> = traceparent.split('-').collect();
    let hex = |s: &str, len: usize| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    };
    let zero = |s: &str| s.bytes().all(|b| b == b'0');
    matches!(parts.as_slice(), [version, trace, parent, flags]
        if *version == "00" && hex(trace, 32) && !zero(trace) && hex(parent, 16) && !zero(parent) && hex(flags, 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn only_well_formed_contexts_are_kept() {
        assert!(valid(GOOD));
        for bad in [
            "",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        ] {
            assert!(!valid(bad), "{bad}");
        }
    }

    #[tokio::test]
    async fn the_context_holds_within_its_scope_only() {
        assert_eq!(current(), None);
        let inside = scope(Some(GOOD.into()), async { current() }).await;
        assert_eq!(inside.as_deref(), Some(GOOD));
        assert_eq!(scope(Some("junk".into()), async { current() }).await, None);
        assert_eq!(current(), None);
    }
}
