//! `mart-router --supergraph FILE --listen ADDR [--config router.yaml]`
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use mart_router::RouterConfig;

/// The router allocates and frees a tree of small values per subgraph response; with
/// glibc's allocator a quarter of its CPU on the deep-query benchmark went to malloc and
/// free (bench/LOG.md, session 13).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc returns freed pages to the system only while the process keeps allocating, so
/// after a burst an idle router held its peak RSS (bench/LOG.md, session 13); purging at
/// once (`MIMALLOC_PURGE_DELAY=0`) cost a quarter more CPU. A collection every few seconds
/// gives the pages back once the burst is over.
fn collect_idle_memory() {
    let spawned = std::thread::Builder::new()
        .name("mimalloc-collect".into())
        .spawn(|| {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(5));
                // SAFETY: mi_collect only releases memory mimalloc holds free.
                unsafe { libmimalloc_sys::mi_collect(true) };
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "no idle memory collection");
    }
}

/// Mart's GraphQL federation router.
#[derive(Parser)]
#[command(name = "mart-router", version)]
struct Cli {
    /// Supergraph SDL file [default: schema/supergraph.graphql]
    #[arg(long)]
    supergraph: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:4000]
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// YAML configuration file (see RouterConfig for every field)
    #[arg(long)]
    config: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    collect_idle_memory();
    let cli = Cli::parse();
    let mut config = RouterConfig::load(cli.config.as_deref()).context("loading configuration")?;
    if let Some(supergraph) = cli.supergraph {
        config.supergraph_path = supergraph;
    }
    if let Some(listen) = cli.listen {
        config.listen = listen;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        mart_router::run(config, shutdown_signal())
            .await
            .context("router failed")
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
