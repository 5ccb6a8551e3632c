//! Structured logs through `tracing`, and the same spans to an OpenTelemetry collector when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set (`mart_telemetry::trace::export`).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

pub use mart_telemetry::trace::export::Exporting;

/// Installs the global subscriber: filter from `MART_LOG` (or `RUST_LOG`), default
/// `info`; `MART_LOG_FORMAT=json` for one JSON object per line; spans exported as
/// `service` (e.g. `mart-orders`) when an OTLP endpoint is configured. Keep the returned
/// guard until the process ends: dropping it sends the spans still queued. Safe to call
/// twice (the second call installs nothing).
pub fn init(service: &str) -> Option<Exporting> {
    let filter = std::env::var("MART_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info,rdkafka=warn".to_string());
    let filter = EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("MART_LOG_FORMAT").is_ok_and(|f| f == "json");
    let logs = if json {
        tracing_subscriber::fmt::layer().json().boxed()
    } else {
        tracing_subscriber::fmt::layer().boxed()
    };
    let (traces, exporting) = match mart_telemetry::trace::export::layer(service) {
        Ok(Some((layer, exporting))) => (Some(layer), Some(exporting)),
        Ok(None) => (None, None),
        Err(e) => {
            eprintln!("traces are not exported: {e}");
            (None, None)
        }
    };
    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(logs)
        .with(traces)
        .try_init();
    if installed.is_ok() && exporting.is_some() {
        tracing::info!(service, "exporting traces over OTLP");
    }
    installed.ok().and(exporting)
}
