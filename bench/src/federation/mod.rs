//! `mart-bench federation`: the four subgraphs of the public federation-gateway benchmark's
//! shape (accounts, products, reviews, inventory), answering from memory with no database,
//! each on its own port, until killed. `bench/federation.sh` composes them, puts Mart's router
//! (and Hive Router, when `HIVE_ROUTER` is set) in front and loads the nested query of
//! `bench/queries/deep.graphql`. Their SDLs are in `sdl.rs`, the data in `data.rs`.
mod data;
mod schemas;
pub mod sdl;

use std::net::SocketAddr;

use anyhow::Context;

/// Serve the benchmark's four fixture subgraphs from memory.
#[derive(clap::Args)]
pub struct Args {
    /// Ports for accounts, products, reviews and inventory, in that order.
    #[arg(long, value_delimiter = ',', default_values_t = [4201, 4202, 4203, 4204])]
    pub ports: Vec<u16>,
    /// Write each subgraph's SDL into this directory and a `subgraphs.json` manifest for
    /// `schema/compose.mjs`, then exit.
    #[arg(long)]
    pub write_sdl: Option<std::path::PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.ports.len() == 4,
        "--ports takes four ports: accounts,products,reviews,inventory"
    );
    if let Some(dir) = args.write_sdl {
        return sdl::write(&dir, &args.ports);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let routers = [
            schemas::accounts(),
            schemas::products(),
            schemas::reviews(),
            schemas::inventory(),
        ];
        let mut servers = Vec::new();
        for (app, port) in routers.into_iter().zip(&args.ports) {
            let addr = SocketAddr::from(([127, 0, 0, 1], *port));
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding {addr}"))?;
            servers.push(tokio::spawn(
                async move { axum::serve(listener, app).await },
            ));
        }
        eprintln!("federation fixture subgraphs on ports {:?}", args.ports);
        for server in servers {
            server.await??;
        }
        Ok(())
    })
}
