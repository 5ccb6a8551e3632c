//! Sending spans to an OpenTelemetry collector over OTLP/HTTP.
//!
//! Configured by the standard variables: `OTEL_EXPORTER_OTLP_ENDPOINT` (e.g.
//! `http://otel-collector:4318`; spans go to its `/v1/traces`) switches export on,
//! `OTEL_SERVICE_NAME` overrides the process's service name. Spans are batched and sent
//! from the SDK's own thread, so a slow collector never holds a request up; past the
//! batch queue's bound (2,048 spans) new spans are dropped, not buffered.

use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::{HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{SpanExporter, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::Layer;
use tracing_subscriber::registry::LookupSpan;

use super::EXPORTING;

/// The standard variable that switches export on.
pub const ENDPOINT_VAR: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

/// How long one export may take before its batch is given up.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("OTLP exporter: {0}")]
    Exporter(String),
}

/// Keeps spans flowing; dropping it sends what is still queued (at shutdown).
pub struct Exporting {
    provider: SdkTracerProvider,
}

impl Drop for Exporting {
    fn drop(&mut self) {
        EXPORTING.store(false, std::sync::atomic::Ordering::Relaxed);
        let _ = self.provider.shutdown();
    }
}

/// The `tracing` layer that exports spans, if `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
/// `service` names the process (`mart-orders`, `mart-router`; `OTEL_SERVICE_NAME` wins).
pub fn layer<S>(service: &str) -> Result<Option<(impl Layer<S> + use<S>, Exporting)>, ExportError>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    let Some(endpoint) = std::env::var(ENDPOINT_VAR).ok().filter(|e| !e.is_empty()) else {
        return Ok(None);
    };
    let exporter = SpanExporter::builder()
        .with_http()
        .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
        .with_timeout(EXPORT_TIMEOUT)
        .with_http_client(Client::new()?)
        .build()
        .map_err(|e| ExportError::Exporter(e.to_string()))?;
    let name = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| service.to_string());
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(Resource::builder().with_service_name(name).build())
        .build();
    let tracer = provider.tracer("mart");
    EXPORTING.store(true, std::sync::atomic::Ordering::Relaxed);
    Ok(Some((
        tracing_opentelemetry::layer().with_tracer(tracer),
        Exporting { provider },
    )))
}

/// Posts batches with the reqwest every Mart process already has. The SDK calls it from
/// its own export thread, outside any tokio runtime, so it brings a small one of its own.
#[derive(Debug)]
struct Client {
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl Client {
    fn new() -> Result<Self, ExportError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ExportError::Exporter(e.to_string()))?;
        let http = reqwest::Client::builder()
            .timeout(EXPORT_TIMEOUT)
            .build()
            .map_err(|e| ExportError::Exporter(e.to_string()))?;
        Ok(Self { http, runtime })
    }
}

#[async_trait::async_trait]
impl HttpClient for Client {
    async fn send_bytes(
        &self,
        request: Request<bytes::Bytes>,
    ) -> Result<Response<bytes::Bytes>, HttpError> {
        let (parts, body) = request.into_parts();
        // Built and sent inside the runtime: reqwest's timeouts need its timer.
        let sent: Result<Response<bytes::Bytes>, HttpError> = self.runtime.block_on(async {
            let send = self
                .http
                .request(parts.method, parts.uri.to_string())
                .headers(parts.headers)
                .body(body)
                .send();
            let response = send.await?;
            let status = response.status();
            let body = response.bytes().await?;
            let mut answer = Response::new(body);
            *answer.status_mut() = status;
            Ok(answer)
        });
        match &sent {
            Err(e) => warn_now_and_then(&format!("cannot reach the collector: {e}")),
            Ok(answer) if !answer.status().is_success() => {
                warn_now_and_then(&format!("the collector answered {}", answer.status()));
            }
            Ok(_) => {}
        }
        sent
    }
}

/// Spans that cannot be sent are dropped (the SDK retries nothing); an operator hears of it
/// in the log, at most once a minute rather than once a batch.
fn warn_now_and_then(problem: &str) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let last = LAST.load(Ordering::Relaxed);
    if now >= last + 60
        && LAST
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        tracing::warn!(problem, "spans were not exported (OTLP)");
    }
}
