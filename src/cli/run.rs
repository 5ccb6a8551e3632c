use std::time::Duration;

use anyhow::{Context, Result, bail};
use mart_service::{ServiceConfig, ServiceHandle, ServiceName, Subgraph, http::bind};
use tokio_util::sync::CancellationToken;

use mart::registry::{SUBGRAPHS, subgraph};

/// Every subgraph, then the router in front of them, until SIGINT/SIGTERM.
pub async fn up(seed: bool) -> Result<()> {
    let config = ServiceConfig::from_env()?;
    tracing::info!(?config, "starting every service");
    let shutdown = mart_service::shutdown::on_signal();
    if seed {
        super::seed::run(&config, super::seed::Accounts::Demo).await?;
    }
    let mut handles = Vec::new();
    for subgraph in &SUBGRAPHS {
        handles.push(start_subgraph(&config, subgraph, shutdown.clone()).await?);
    }
    let router = tokio::spawn(run_router(config.clone(), shutdown.clone()));
    println!("Mart is up:");
    for h in &handles {
        println!("  {:<13} http://{}/graphql", h.name, h.addr);
    }
    let router_addr = config.listen_addr(ServiceName::Router);
    // The router's own switch (off by default; `./dev up` turns it on).
    let playground = std::env::var("MART_ROUTER_PLAYGROUND").is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        )
    });
    let playground = if playground {
        format!("playground: http://{router_addr}/")
    } else {
        "playground off: MART_ROUTER_PLAYGROUND=true turns it on".to_string()
    };
    println!(
        "  {:<13} http://{router_addr}/graphql  ({playground})",
        "router"
    );
    let router_result = router.await.context("router task")?;
    shutdown.cancel();
    for h in handles {
        let _ = tokio::time::timeout(Duration::from_secs(10), h.join()).await;
    }
    router_result
}

/// One service alone.
pub async fn serve(name: &str) -> Result<()> {
    let service: ServiceName = name.parse()?;
    let config = ServiceConfig::from_env()?;
    let shutdown = mart_service::shutdown::on_signal();
    if service == ServiceName::Router {
        // Alone, the router has no subgraph whose upkeep gives freed memory back.
        let reclaim = mart_service::memory::Reclaim::default();
        tokio::spawn(mart_service::memory::trim_periodically(
            reclaim.every,
            shutdown.clone(),
        ));
        return run_router(config, shutdown).await;
    }
    let Some(subgraph) = subgraph(service) else {
        bail!("{service} is not a subgraph");
    };
    let handle = start_subgraph(&config, subgraph, shutdown).await?;
    handle.join().await;
    Ok(())
}

async fn start_subgraph(
    config: &ServiceConfig,
    subgraph: &Subgraph,
    shutdown: CancellationToken,
) -> Result<ServiceHandle> {
    let listener = bind(config.listen_addr(subgraph.name)).await?;
    (subgraph.start)(config, listener, shutdown)
        .await
        .with_context(|| format!("starting {}", subgraph.name))
}

/// The router reads `MART_ROUTER_*` and its optional YAML file; the subgraph URLs
/// follow this process's service configuration unless the router's own
/// configuration names them.
async fn run_router(config: ServiceConfig, shutdown: CancellationToken) -> Result<()> {
    let config_file = std::env::var_os("MART_ROUTER_CONFIG").map(std::path::PathBuf::from);
    let mut router = mart_router::RouterConfig::load(config_file.as_deref())
        .context("loading the router configuration")?;
    if std::env::var_os("MART_ROUTER_LISTEN").is_none() {
        router.listen = config.listen_addr(ServiceName::Router);
    }
    for service in SUBGRAPHS.iter().map(|s| s.name) {
        router
            .subgraph_urls
            .entry(service.as_str().to_string())
            .or_insert_with(|| config.graphql_url(service));
    }
    // Tokens are verified at the router against the users service's keys.
    let auth = &mut router.auth;
    auth.jwks_url.get_or_insert_with(|| config.jwks_url());
    auth.issuer
        .get_or_insert_with(|| config.auth.issuer.clone());
    auth.audience
        .get_or_insert_with(|| config.auth.audience.clone());
    // Subgraphs that require signed requests share the services' secret.
    if router.subgraph_signer.is_none() {
        router.subgraph_signer = config.request_signer.clone();
    }
    mart_router::run(router, async move { shutdown.cancelled().await })
        .await
        .context("router")
}
