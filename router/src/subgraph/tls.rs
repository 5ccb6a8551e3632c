//! TLS for the router's calls to subgraphs (`https://` URLs): the web PKI's roots
//! (Mozilla's list, compiled in, so no system store is needed in a slim container) and,
//! for subgraphs whose certificates a private CA issued, that CA from
//! `MART_ROUTER_TLS_CA_FILE`. Plain `http://` URLs keep working alongside.
//!
//! The ring provider, not rustls' default aws-lc-rs: the latter needs cmake and a long C
//! build in every CI run, for nothing a subgraph call needs.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("MART_ROUTER_TLS_CA_FILE {path}: {reason}")]
    CaFile { path: PathBuf, reason: String },
    #[error("TLS setup: {0}")]
    Setup(#[from] rustls::Error),
}

/// The client configuration: the web PKI's roots plus every certificate in `ca_file`.
pub fn client_config(ca_file: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = ca_file {
        let bad = |reason: String| TlsError::CaFile {
            path: path.to_path_buf(),
            reason,
        };
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .map_err(|e| bad(e.to_string()))?
            .collect::<Result<_, _>>()
            .map_err(|e| bad(e.to_string()))?;
        if certs.is_empty() {
            return Err(bad("no PEM certificate in it".into()));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| bad(e.to_string()))?;
        }
    }
    // Deprecated since rustls 0.23.48 only to point at aws-lc-rs's post-quantum key
    // exchange; within a cluster, ring's classic suites are what we choose (module docs).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
