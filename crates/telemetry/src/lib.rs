//! Prometheus metrics for every Mart process, through the `metrics` crate and its
//! Prometheus exporter.
//!
//! - [`Registry`]: one per service instance (and per router), not one global recorder:
//!   `mart up` runs every service in one process and tests start many instances side by
//!   side, and each must expose only its own series on its own `/metrics`.
//! - [`labels`]: label values a client chooses (GraphQL operation names) are bounded
//!   before they become series, since every new value is a series kept for good.
//! - [`http`]: the axum middleware that counts and times every request.
//! - [`trace`]: OpenTelemetry spans over OTLP, and the `traceparent` in and out of them.

pub mod http;
pub mod labels;
pub mod log_rate;
mod registry;

pub use metrics::{Counter, Gauge, Histogram};
pub use registry::{LATENCY_BUCKETS, Registry};
pub mod trace;
