use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use mart_service::ServiceConfig;

use mart::registry::SUBGRAPHS;

#[derive(Subcommand)]
pub enum SchemaCommand {
    /// Write each subgraph's SDL to DIR/<service>.graphql and the composition
    /// manifest to DIR/subgraphs.json. Compose with `node schema/compose.mjs
    /// schema/subgraphs.json > schema/supergraph.graphql`.
    Export {
        #[arg(long, default_value = "schema")]
        dir: PathBuf,
        /// Write nothing; fail if a checked-in file differs from the code.
        #[arg(long)]
        check: bool,
    },
}

pub fn run(command: SchemaCommand) -> Result<()> {
    match command {
        SchemaCommand::Export { dir, check } => export(&dir, check),
    }
}

/// The composition manifest: every subgraph with its default URL.
pub fn manifest() -> String {
    let config = ServiceConfig::from_lookup(|_| None).expect("defaults are valid");
    let subgraphs: Vec<_> = SUBGRAPHS
        .iter()
        .map(|s| s.name)
        .map(|s| {
            serde_json::json!({
                "name": s.as_str(),
                "url": config.graphql_url(s),
                "sdl": format!("{s}.graphql"),
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&serde_json::json!({ "subgraphs": subgraphs }))
        .expect("JSON serializes");
    text.push('\n');
    text
}

fn export(dir: &Path, check: bool) -> Result<()> {
    let mut files = vec![(dir.join("subgraphs.json"), manifest())];
    for subgraph in &SUBGRAPHS {
        let sdl = (subgraph.sdl)();
        files.push((dir.join(format!("{}.graphql", subgraph.name)), sdl));
    }
    let mut drift = Vec::new();
    for (path, content) in files {
        if check {
            let current = std::fs::read_to_string(&path).unwrap_or_default();
            if current != content {
                drift.push(path.display().to_string());
            }
        } else {
            std::fs::write(&path, content)
                .with_context(|| format!("writing {}", path.display()))?;
            println!("wrote {}", path.display());
        }
    }
    if !drift.is_empty() {
        bail!(
            "out of date: {} (run `cargo run -- schema export` and recompose)",
            drift.join(", ")
        );
    }
    Ok(())
}
