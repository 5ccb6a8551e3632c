//! The README's configuration table documents every variable the services read.

use mart_service::config::ENV_VARS;

#[test]
fn readme_documents_every_environment_variable() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let missing: Vec<&str> = ENV_VARS
        .iter()
        .map(|v| v.name)
        .filter(|name| !readme.contains(&format!("`{name}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "README.md does not document {missing:?}"
    );
    for var in ENV_VARS.iter().filter(|v| !v.default.is_empty()) {
        assert!(
            readme.contains(&format!("`{}`", var.default)),
            "README.md does not give {}'s default `{}`",
            var.name,
            var.default
        );
    }
}

#[test]
fn router_readme_documents_every_router_variable() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/router/README.md"))
        .expect("router/README.md");
    for var in mart_router::ENV_VARS {
        let default = if var.default.is_empty() {
            "(empty)".to_string()
        } else {
            format!("`{}`", var.default)
        };
        let row = format!("| `{}` | {} |", var.name, default);
        assert!(
            readme.contains(&row),
            "router/README.md has no row {row:?} for {}",
            var.name
        );
    }
}
