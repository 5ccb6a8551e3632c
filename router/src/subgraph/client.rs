//! HTTP client for subgraph requests: pooled keep-alive connections, per-request timeout and
//! sharing of one response between identical in-flight queries.
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use hyper::{Method, Request, Uri};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::inflight::{InFlight, Key, KeyBuilder, Role};
use crate::metrics::Metrics;

/// Why a subgraph request produced no usable response.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    #[error("request timed out after {0} ms")]
    Timeout(u128),
    /// The transport's error chain: for the log only, it names addresses and URLs.
    #[error("{0}")]
    Transport(Arc<str>),
    #[error("subgraph answered HTTP status {0}")]
    Status(u16),
}

impl FetchError {
    /// What a client may be told: no address, URL or error chain of the network inside.
    pub fn public_reason(&self) -> String {
        match self {
            FetchError::Transport(_) => "the subgraph could not be reached".to_string(),
            other => other.to_string(),
        }
    }
}

/// The pooled client: `http://` and, through rustls, `https://` subgraphs.
type Http = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

pub struct SubgraphClient {
    http: Http,
    in_flight: InFlight<Key, Result<Bytes, FetchError>>,
    metrics: Arc<Metrics>,
    /// Signs every request when the subgraphs require it (`MART_SUBGRAPH_SECRET`).
    signer: Option<mart_auth::RequestSigner>,
}

/// One request to a subgraph.
pub struct SubgraphRequest<'a> {
    pub service: &'a str,
    pub url: &'a Uri,
    pub body: Bytes,
    /// Headers forwarded from the client and configured ones.
    pub headers: &'a HeaderMap,
    /// W3C trace context for this hop; not part of the deduplication key.
    pub traceparent: Option<&'a HeaderValue>,
    pub timeout: Duration,
    /// Share the response with identical in-flight requests (queries only).
    pub deduplicate: bool,
}

impl SubgraphClient {
    pub fn new(
        pool_max_idle_per_host: usize,
        metrics: Arc<Metrics>,
        signer: Option<mart_auth::RequestSigner>,
        tls: Arc<rustls::ClientConfig>,
    ) -> SubgraphClient {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_keepalive(Some(Duration::from_secs(60)));
        connector.set_connect_timeout(Some(Duration::from_secs(5)));
        // The TLS layer sees the scheme; the TCP connector must let `https` through.
        connector.enforce_http(false);
        let connector = HttpsConnectorBuilder::new()
            .with_tls_config((*tls).clone())
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let http = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(pool_max_idle_per_host)
            .pool_idle_timeout(Duration::from_secs(90))
            .build(connector);
        SubgraphClient {
            http,
            in_flight: InFlight::default(),
            metrics,
            signer,
        }
    }

    pub async fn execute(&self, request: SubgraphRequest<'_>) -> Result<Bytes, FetchError> {
        let metrics = self.metrics.subgraph(request.service);
        if !request.deduplicate {
            metrics.requests.increment(1);
            return self.send(&request, &metrics).await;
        }
        let key = fetch_key(&request);
        let (result, role) = self
            .in_flight
            .run(key, || self.send(&request, &metrics))
            .await;
        let counter = match role {
            Role::Leader => &metrics.requests,
            Role::Follower => &metrics.deduplicated,
        };
        counter.increment(1);
        result
    }

    async fn send(
        &self,
        request: &SubgraphRequest<'_>,
        metrics: &crate::metrics::SubgraphMetrics,
    ) -> Result<Bytes, FetchError> {
        let built = build_request(request, self.signer.as_ref());
        timed_send(self.http.clone(), built, request.timeout, metrics).await
    }
}

fn build_request(
    request: &SubgraphRequest<'_>,
    signer: Option<&mart_auth::RequestSigner>,
) -> Request<Full<Bytes>> {
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri(request.url.clone());
    if let Some(headers) = builder.headers_mut() {
        headers.extend(request.headers.iter().map(|(k, v)| (k.clone(), v.clone())));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("application/graphql-response+json, application/json"),
        );
        if let Some(traceparent) = request.traceparent {
            headers.insert("traceparent", traceparent.clone());
        }
        if let Some(signature) =
            signer.and_then(|s| HeaderValue::from_str(&s.sign(&request.body)).ok())
        {
            headers.insert(mart_auth::SIGNATURE_HEADER, signature);
        }
    }
    builder
        .body(Full::new(request.body.clone()))
        .unwrap_or_else(|_| Request::new(Full::new(request.body.clone())))
}

async fn timed_send(
    http: Http,
    request: Request<Full<Bytes>>,
    timeout: Duration,
    metrics: &crate::metrics::SubgraphMetrics,
) -> Result<Bytes, FetchError> {
    let started = Instant::now();
    let result = match tokio::time::timeout(timeout, send_and_read(http, request)).await {
        Ok(result) => result,
        Err(_) => Err(FetchError::Timeout(timeout.as_millis())),
    };
    metrics.duration.record(started.elapsed());
    if result.is_err() {
        metrics.errors.increment(1);
    }
    result
}

async fn send_and_read(http: Http, request: Request<Full<Bytes>>) -> Result<Bytes, FetchError> {
    let response = http
        .request(request)
        .await
        .map_err(|e| FetchError::Transport(describe_transport_error(&e).into()))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| FetchError::Transport(format!("cannot read response body: {e}").into()))?
        .to_bytes();
    // A GraphQL-over-HTTP server may answer 4xx with a well-formed GraphQL response.
    let graphql_client_error = status.is_client_error() && looks_like_json(&body);
    if !status.is_success() && !graphql_client_error {
        return Err(FetchError::Status(status.as_u16()));
    }
    Ok(body)
}

fn looks_like_json(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
}

fn describe_transport_error(error: &hyper_util::client::legacy::Error) -> String {
    use std::error::Error as _;
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// What makes two subgraph requests identical: the subgraph, the URL path, the body and the
/// headers (traceparent aside).
fn fetch_key(request: &SubgraphRequest<'_>) -> Key {
    let mut key = KeyBuilder::with_capacity(request.body.len() + 256);
    key.part(request.service.as_bytes())
        .part(request.url.path().as_bytes())
        .part(&request.body)
        .headers(request.headers);
    key.finish()
}
