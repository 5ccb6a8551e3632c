//! TLS for Mart's clients. The certificate authorities this process's HTTP clients trust
//! besides the web PKI's roots (reqwest with rustls and webpki-roots): for `https://`
//! services and JWKS whose certificates a private CA issued. Process-wide, as an
//! operating system's trust store is: `ServiceConfig::from_env` adds the CAs of
//! `MART_TLS_CA_FILE` once at start, and every client is built from [`client_builder`].
//! Clients on rustls directly (the router's, PostgreSQL's) take [`rustls_client_config`].
//!
//! Everywhere the ring provider, not rustls' default aws-lc-rs: the latter needs cmake and
//! a long C build in every CI run, for nothing these connections need.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

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

/// The crypto provider of every rustls client and test server of Mart: ring.
pub fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    // Deprecated since rustls 0.23.48 only to point at aws-lc-rs's post-quantum key
    // exchange; within a cluster, ring's classic suites are what we choose (module docs).
    #[allow(deprecated)]
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A rustls client configuration trusting the web PKI's roots and every certificate of
/// each PEM blob in `extra_pem` (a blob without one is an error).
pub fn rustls_client_config(extra_pem: &[Vec<u8>]) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for pem in extra_pem {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        if certs.is_empty() {
            return Err("no PEM certificate in it".into());
        }
        for cert in certs {
            roots.add(cert).map_err(|e| e.to_string())?;
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
