//! A closed-loop GraphQL load: each of `--connections` keep-alive HTTP/1.1 connections
//! sends the operation, waits for the answer, checks it carries no `errors`, and sends the
//! next one until `--duration` is over. Prints requests/s and latency percentiles.
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde::de::IgnoredAny;
use tokio::net::TcpStream;

/// Load one GraphQL operation: requests/s and latency.
#[derive(clap::Args)]
pub struct Args {
    /// GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql
    #[arg(long)]
    pub url: String,
    /// File holding the GraphQL operation
    #[arg(long)]
    pub query_file: PathBuf,
    /// Variables as a JSON object
    #[arg(long)]
    pub variables: Option<String>,
    /// Operation name, when the file holds several operations
    #[arg(long)]
    pub operation_name: Option<String>,
    /// Concurrent keep-alive connections
    #[arg(long, default_value_t = 50)]
    pub connections: usize,
    /// How long to send load: 30s, 500ms, 2m
    #[arg(long, default_value = "30s", value_parser = crate::parse_duration)]
    pub duration: Duration,
    /// Warm-up before measuring (same format as --duration)
    #[arg(long, default_value = "2s", value_parser = crate::parse_duration)]
    pub warmup: Duration,
}

/// Only what the check needs; the rest of the body is skipped without building values.
#[derive(Deserialize)]
struct ResponseCheck {
    data: Option<IgnoredAny>,
    errors: Option<IgnoredAny>,
}

#[derive(Default)]
struct WorkerResult {
    latencies_us: Vec<u32>,
    failures: u64,
    first_failure: Option<String>,
}

struct Target {
    host_port: String,
    authority: String,
    path: String,
    body: Bytes,
}

fn target(args: &Args) -> anyhow::Result<Target> {
    let uri: hyper::Uri = args.url.parse().context("--url is not a URL")?;
    if uri.scheme_str() != Some("http") {
        bail!("only http:// URLs are supported");
    }
    let authority = uri.authority().context("--url needs a host")?.to_string();
    let host_port = if uri.port().is_some() {
        authority.clone()
    } else {
        format!("{authority}:80")
    };
    let query = std::fs::read_to_string(&args.query_file)
        .with_context(|| format!("reading {}", args.query_file.display()))?;
    let variables: serde_json::Value = match &args.variables {
        Some(v) => serde_json::from_str(v).context("--variables is not JSON")?,
        None => serde_json::json!({}),
    };
    let body = serde_json::json!({
        "query": query,
        "variables": variables,
        "operationName": args.operation_name,
    });
    Ok(Target {
        host_port,
        authority,
        path: uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into()),
        body: Bytes::from(serde_json::to_vec(&body)?),
    })
}

async fn worker(
    target: &Target,
    warmup_end: Instant,
    end: Instant,
) -> anyhow::Result<WorkerResult> {
    let stream = TcpStream::connect(&target.host_port)
        .await
        .with_context(|| format!("connecting to {}", target.host_port))?;
    stream.set_nodelay(true)?;
    let (mut sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let mut result = WorkerResult::default();
    loop {
        let started = Instant::now();
        if started >= end {
            break;
        }
        let request = Request::post(target.path.as_str())
            .header(hyper::header::HOST, target.authority.as_str())
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(
                hyper::header::ACCEPT,
                "application/graphql-response+json, application/json",
            )
            .body(Full::new(target.body.clone()))?;
        sender.ready().await.context("connection closed")?;
        let response = sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        let elapsed = started.elapsed();
        let failure = if !status.is_success() {
            Some(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)))
        } else {
            match serde_json::from_slice::<ResponseCheck>(&body) {
                Ok(check) if check.errors.is_none() && check.data.is_some() => None,
                _ => Some(String::from_utf8_lossy(&body).into_owned()),
            }
        };
        if started < warmup_end {
            continue;
        }
        if let Some(failure) = failure {
            result.failures += 1;
            result.first_failure.get_or_insert(failure);
        }
        result
            .latencies_us
            .push(elapsed.as_micros().min(u32::MAX as u128) as u32);
    }
    Ok(result)
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.connections == 0 {
        bail!("--connections must be at least 1");
    }
    let target = std::sync::Arc::new(target(&args)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let results = runtime.block_on(async {
        let warmup_end = Instant::now() + args.warmup;
        let end = warmup_end + args.duration;
        let workers: Vec<_> = (0..args.connections)
            .map(|_| {
                let target = target.clone();
                tokio::spawn(async move { worker(&target, warmup_end, end).await })
            })
            .collect();
        let mut results = Vec::new();
        for worker in workers {
            results.push(worker.await?);
        }
        anyhow::Ok(results)
    })?;
    let mut latencies = Vec::new();
    let mut failures = 0;
    let mut first_failure = None;
    for result in results {
        let result = result?;
        latencies.extend(result.latencies_us);
        failures += result.failures;
        first_failure = first_failure.or(result.first_failure);
    }
    latencies.sort_unstable();
    let requests = latencies.len();
    let seconds = args.duration.as_secs_f64();
    println!("url:          {}", args.url);
    println!("connections:  {}", args.connections);
    println!(
        "duration:     {seconds:.1}s (after {:.1}s warm-up)",
        args.warmup.as_secs_f64()
    );
    println!("requests:     {requests}");
    println!("failures:     {failures}");
    println!("requests/s:   {:.1}", requests as f64 / seconds);
    println!(
        "latency ms:   p50 {:.3}  p95 {:.3}  p99 {:.3}  max {:.3}",
        percentile(&latencies, 50.0),
        percentile(&latencies, 95.0),
        percentile(&latencies, 99.0),
        latencies.last().copied().unwrap_or(0) as f64 / 1000.0
    );
    if let Some(failure) = first_failure {
        let sample: String = failure.chars().take(500).collect();
        eprintln!("first failing response: {sample}");
        bail!("{failures} responses carried errors or a non-2xx status");
    }
    Ok(())
}
