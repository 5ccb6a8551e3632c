//! The router embeds the committed web-playground/dist/ at compile time, so `cargo run`
//! needs no Node. These checks fail when dist/ no longer matches its sources, or when the
//! page would load something dist/ does not hold.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

const REBUILD: &str = "run `npm run build --prefix web-playground` and commit web-playground/dist";

fn playground() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("web-playground")
}

fn files_under(root: &Path, relative: &str, out: &mut Vec<String>) {
    let entries = std::fs::read_dir(root.join(relative))
        .unwrap_or_else(|e| panic!("read web-playground/{relative}: {e}"));
    for entry in entries {
        let entry = entry.expect("directory entry");
        let name = entry.file_name().into_string().expect("UTF-8 file name");
        let path = format!("{relative}/{name}");
        if entry.file_type().expect("file type").is_dir() {
            files_under(root, &path, out);
        } else {
            out.push(path);
        }
    }
}

/// The same hash as web-playground/scripts/source-hash.mjs: for each source file in byte
/// order of its path, `path NUL length NUL contents`.
fn source_hash(root: &Path) -> String {
    let mut files: Vec<String> = [
        "package.json",
        "package-lock.json",
        "vite.config.js",
        "index.html",
    ]
    .map(String::from)
    .to_vec();
    files_under(root, "src", &mut files);
    files.sort();
    let mut hash = Sha256::new();
    for path in &files {
        let contents = std::fs::read(root.join(path))
            .unwrap_or_else(|e| panic!("read web-playground/{path}: {e}"));
        hash.update(format!("{path}\0{}\0", contents.len()).as_bytes());
        hash.update(&contents);
    }
    hash.finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[test]
fn committed_bundle_was_built_from_the_current_sources() {
    let root = playground();
    let recorded = std::fs::read_to_string(root.join("dist/SOURCE_HASH"))
        .unwrap_or_else(|e| panic!("web-playground/dist/SOURCE_HASH: {e}; {REBUILD}"));
    assert_eq!(
        recorded.trim(),
        source_hash(&root),
        "web-playground/dist/ is stale: its sources changed since it was built; {REBUILD}"
    );
}

/// `src="…"` and `href="…"` values of an HTML document.
fn referenced_urls(html: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(start) = rest.find(attribute) {
            rest = &rest[start + attribute.len()..];
            let end = rest.find('"').expect("attribute value is closed");
            urls.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    urls
}

#[test]
fn index_loads_only_files_that_dist_holds() {
    let dist = playground().join("dist");
    let html = std::fs::read_to_string(dist.join("index.html"))
        .unwrap_or_else(|e| panic!("web-playground/dist/index.html: {e}; {REBUILD}"));
    let urls = referenced_urls(&html);
    assert!(
        urls.iter().any(|u| u.ends_with(".js")),
        "dist/index.html loads no script: {REBUILD}"
    );
    for url in urls {
        // Relative, so the page works wherever the router serves it; nothing from a CDN.
        assert!(
            url.starts_with("./"),
            "dist/index.html references {url}: expected a relative ./ URL (vite base './')"
        );
        let file = dist.join(url.trim_start_matches("./"));
        assert!(
            file.is_file(),
            "dist/index.html references {url}, which dist/ does not hold; {REBUILD}"
        );
    }
}

#[test]
fn bundle_ships_no_source_maps() {
    let root = playground();
    let mut files = Vec::new();
    files_under(&root, "dist", &mut files);
    let maps: Vec<_> = files.iter().filter(|f| f.ends_with(".map")).collect();
    assert!(
        maps.is_empty(),
        "source maps in the committed bundle (build.sourcemap must stay off): {maps:?}"
    );
}

#[test]
fn reference_parsing_finds_scripts_and_styles() {
    let html = r#"<script type="module" src="./assets/a.js"></script><link rel="stylesheet" href="./assets/b.css">"#;
    assert_eq!(referenced_urls(html), ["./assets/a.js", "./assets/b.css"]);
}
