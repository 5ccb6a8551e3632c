//! Structured logs through `tracing`.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber: filter from `MART_LOG` (or `RUST_LOG`), default
/// `info`; `MART_LOG_FORMAT=json` for one JSON object per line. Safe to call twice.
pub fn init() {
    let filter = std::env::var("MART_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info,rdkafka=warn".to_string());
    let filter = EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("MART_LOG_FORMAT").is_ok_and(|f| f == "json");
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
