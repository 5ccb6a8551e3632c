//! The certificate authorities this process's HTTP clients trust besides the web PKI's
//! roots (reqwest with rustls and webpki-roots): for `https://` services and JWKS whose
//! certificates a private CA issued. Process-wide, as an operating system's trust store
//! is: `ServiceConfig::from_env` adds the CAs of `MART_TLS_CA_FILE` once at start, and
//! every client is built from [`client_builder`].

use std::path::{Path, PathBuf};
use std::sync::RwLock;

static EXTRA_ROOTS: RwLock<Vec<reqwest::Certificate>> = RwLock::new(Vec::new());
/// The same CAs as PEM, for clients other than reqwest (PostgreSQL's).
static EXTRA_PEM: RwLock<Vec<Vec<u8>>> = RwLock::new(Vec::new());

#[derive(Debug, thiserror::Error)]
#[error("MART_TLS_CA_FILE {path}: {reason}")]
pub struct TlsError {
    pub path: PathBuf,
    pub reason: String,
}

/// Trusts every certificate of the PEM file `path` from now on (clients built before
/// keep what they had).
pub fn trust_pem_file(path: &Path) -> Result<(), TlsError> {
    let bad = |reason: String| TlsError {
        path: path.to_path_buf(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| bad(e.to_string()))?;
    if certs.is_empty() {
        return Err(bad("no PEM certificate in it".into()));
    }
    EXTRA_ROOTS
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .extend(certs);
    EXTRA_PEM
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .push(pem);
    Ok(())
}

/// Every PEM file trusted with [`trust_pem_file`], as read.
pub fn extra_pem() -> Vec<Vec<u8>> {
    EXTRA_PEM.read().unwrap_or_else(|p| p.into_inner()).clone()
}

/// A client builder that trusts the web PKI and the CAs added with [`trust_pem_file`].
pub fn client_builder() -> reqwest::ClientBuilder {
    let roots = EXTRA_ROOTS.read().unwrap_or_else(|p| p.into_inner());
    roots
        .iter()
        .fold(reqwest::Client::builder(), |builder, cert| {
            builder.add_root_certificate(cert.clone())
        })
}
