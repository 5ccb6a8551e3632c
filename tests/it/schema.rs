//! The checked-in schemas are what the code serves and what composition makes of
//! them: a change to a subgraph's types without `mart schema export` and a
//! recomposition fails here.

use std::path::Path;
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn checked_in_subgraph_sdls_match_the_code() {
    let out = Command::new(env!("CARGO_BIN_EXE_mart"))
        .args(["schema", "export", "--check", "--dir"])
        .arg(repo().join("schema"))
        .output()
        .expect("run mart schema export --check");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn checked_in_supergraph_is_the_composition_of_the_checked_in_sdls() {
    let schema = repo().join("schema");
    assert!(
        schema.join("node_modules").is_dir(),
        "the composition tool is not installed: run `npm ci --prefix schema` (./dev test does)"
    );
    let out = Command::new("node")
        .arg(schema.join("compose.mjs"))
        .arg(schema.join("subgraphs.json"))
        .output()
        .expect("run node schema/compose.mjs");
    assert!(
        out.status.success(),
        "composition failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let composed = String::from_utf8(out.stdout).expect("UTF-8 supergraph");
    let checked_in = std::fs::read_to_string(schema.join("supergraph.graphql"))
        .expect("schema/supergraph.graphql is checked in");
    assert!(
        composed == checked_in,
        "schema/supergraph.graphql is stale: run `node schema/compose.mjs schema/subgraphs.json > schema/supergraph.graphql`"
    );
}
