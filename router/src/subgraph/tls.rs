//! TLS for the router's calls to subgraphs (`https://` URLs): the web PKI's roots
//! (Mozilla's list, compiled in, so no system store is needed in a slim container) and,
//! for subgraphs whose certificates a private CA issued, that CA from
//! `MART_ROUTER_TLS_CA_FILE`. Plain `http://` URLs keep working alongside. The
//! configuration itself is Mart's one rustls client setup ([`mart_auth::tls`], ring).
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("MART_ROUTER_TLS_CA_FILE {path}: {reason}")]
    CaFile { path: PathBuf, reason: String },
}

/// The client configuration: the web PKI's roots plus every certificate in `ca_file`.
pub fn client_config(ca_file: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let bad = |path: &Path, reason: String| TlsError::CaFile {
        path: path.to_path_buf(),
        reason,
    };
    let extra = match ca_file {
        Some(path) => vec![std::fs::read(path).map_err(|e| bad(path, e.to_string()))?],
        None => Vec::new(),
    };
    mart_auth::tls::rustls_client_config(&extra)
        .map_err(|reason| bad(ca_file.unwrap_or(Path::new("")), reason))
}
