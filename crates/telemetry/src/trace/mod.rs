//! OpenTelemetry traces: off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
//!
//! - [`export`]: the tracer provider and its OTLP/HTTP exporter, and the `tracing` layer
//!   that turns Mart's spans into OpenTelemetry spans.
//! - this file: the W3C `traceparent` in and out of spans. A trace crosses processes as that
//!   one header: on HTTP requests (router → subgraph, subgraph → subgraph) and in event
//!   envelopes (writer → outbox → Kafka → consumer), so one order's trace runs from the
//!   client's request through every service the saga touches.
//!
//! With export off, spans still exist for the logs, and these functions do nothing: the
//! router and the services pass the `traceparent` they received on, as before.

pub mod export;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt;

static EXPORTING: AtomicBool = AtomicBool::new(false);

/// Whether spans leave the process (an exporter is installed).
pub fn exporting() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// Makes `span` a child of the span `traceparent` names (another process's), if any.
pub fn set_parent(span: &tracing::Span, traceparent: Option<&str>) {
    let Some(traceparent) = traceparent.filter(|_| exporting()) else {
        return;
    };
    let carrier = HashMap::from([("traceparent".to_string(), traceparent.to_string())]);
    let context = TraceContextPropagator::new().extract(&carrier);
    let _ = span.set_parent(context);
}

/// `span`'s own `traceparent`, for the next hop to make its spans children of it; `None`
/// when nothing is exported (or `span` is disabled).
pub fn traceparent(span: &tracing::Span) -> Option<String> {
    if !exporting() {
        return None;
    }
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&span.context(), &mut carrier);
    carrier.remove("traceparent")
}
