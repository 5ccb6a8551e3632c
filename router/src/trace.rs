//! W3C trace context: each subgraph request continues the client's trace (or starts one).
//!
//! With traces exported (`mart_telemetry::trace`), a client request is a server span, child
//! of the client's `traceparent`, and each subgraph fetch a client span within it whose id
//! the subgraph hears; without, the subgraph hears a new child id of the client's trace.
use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

use hyper::header::HeaderValue;

thread_local! {
    static STATE: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0x9e37_79b9_7f4a_7c15);
    let local = 0u8;
    nanos ^ ((&local as *const u8 as u64) << 17) | 1
}

/// splitmix64: ids only need to be unique, not unpredictable.
fn next_u64() -> u64 {
    STATE.with(|state| {
        let mut z = state.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
        state.set(z);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    })
}

/// The span of one client request when traces are exported (a disabled span otherwise, so
/// that requests pay nothing for it): a child of the client's `traceparent`.
pub fn request_span(headers: &hyper::HeaderMap, operation: Option<&str>) -> tracing::Span {
    if !mart_telemetry::trace::exporting() {
        return tracing::Span::none();
    }
    let span = tracing::info_span!(
        "graphql request",
        otel.name = %format!("graphql {}", operation.unwrap_or("anonymous")),
        otel.kind = "server",
        graphql.operation.name = operation.unwrap_or(""),
        mart.service = "router",
    );
    let incoming = headers.get("traceparent").and_then(|v| v.to_str().ok());
    mart_telemetry::trace::set_parent(&span, incoming);
    span
}

/// The span of one fetch from `subgraph` (disabled when traces are not exported), and the
/// `traceparent` that names it to the subgraph.
pub fn fetch_span(subgraph: &str) -> (tracing::Span, Option<HeaderValue>) {
    if !mart_telemetry::trace::exporting() {
        return (tracing::Span::none(), None);
    }
    let span = tracing::info_span!(
        "subgraph fetch",
        otel.name = %format!("fetch {subgraph}"),
        otel.kind = "client",
        subgraph,
        mart.service = "router",
    );
    let traceparent =
        mart_telemetry::trace::traceparent(&span).and_then(|t| HeaderValue::from_str(&t).ok());
    (span, traceparent)
}

/// The `traceparent` for subgraph requests: same trace id and flags as the client's header
/// with a new parent id, or a new sampled trace when the client sent none (or a bad one).
pub fn child_traceparent(incoming: Option<&HeaderValue>) -> Option<HeaderValue> {
    // Within an exported request span: that span is the subgraph's parent.
    if let Some(own) = mart_telemetry::trace::traceparent(&tracing::Span::current())
        .and_then(|t| HeaderValue::from_str(&t).ok())
    {
        return Some(own);
    }
    let span = next_u64().max(1);
    let parsed = incoming.and_then(|v| v.to_str().ok()).and_then(|v| {
        let parts: Vec<&str> = v.trim().split('-').collect();
        let valid = parts.len() >= 4
            && parts[0].len() == 2
            && parts[1].len() == 32
            && parts[2].len() == 16
            && parts[3].len() == 2
            && parts[1].bytes().all(|b| b.is_ascii_hexdigit())
            && parts[1] != "00000000000000000000000000000000";
        valid.then(|| (parts[1].to_ascii_lowercase(), parts[3].to_string()))
    });
    let (trace_id, flags) = parsed.unwrap_or_else(|| {
        (
            format!("{:016x}{:016x}", next_u64(), next_u64().max(1)),
            "01".to_string(),
        )
    });
    HeaderValue::from_str(&format!("00-{trace_id}-{span:016x}-{flags}")).ok()
}
