//! TLS for tests: a certificate authority made in the test, certificates it issues for
//! `localhost`, and an HTTP server over TLS, so a test can check that a client trusts
//! exactly the CAs it was given.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate authority of one test.
pub struct TestCa {
    /// The CA's certificate, PEM: what a client is told to trust.
    pub pem: String,
    cert: rcgen::Certificate,
    key: KeyPair,
}

/// A certificate for `localhost` and its private key.
pub struct Issued {
    pub cert_pem: String,
    pub key_pem: String,
    pub cert: CertificateDer<'static>,
    pub key: PrivateKeyDer<'static>,
}

impl TestCa {
    pub fn new(name: &str) -> Self {
        let key = KeyPair::generate().expect("a CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.self_signed(&key).expect("a self-signed CA");
        Self {
            pem: cert.pem(),
            cert,
            key,
        }
    }

    /// A certificate for `localhost`, signed by this CA.
    pub fn localhost(&self) -> Issued {
        let key = KeyPair::generate().expect("a server key");
        let cert = CertificateParams::new(vec!["localhost".to_string()])
            .expect("server params")
            .signed_by(&key, &self.cert, &self.key)
            .expect("a signed certificate");
        Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            cert: cert.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        }
    }

    /// The CA's PEM written to a file in `dir`, as `MART_TLS_CA_FILE` would name it.
    pub fn write_pem(&self, dir: &Path) -> PathBuf {
        let path = dir.join(format!("ca-{}.pem", super::unique_suffix()));
        std::fs::write(&path, &self.pem).expect("write the CA file");
        path
    }
}

/// Serves `app` over TLS with a certificate `ca` issued for `localhost` (HTTP/1.1 and 2,
/// WebSocket upgrades included); returns the port.
pub async fn serve(app: axum::Router, ca: &TestCa) -> u16 {
    let issued = ca.localhost();
    let config = rustls::ServerConfig::builder_with_provider(mart_auth::tls::crypto_provider())
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![issued.cert], issued.key)
        .expect("the certificate and its key");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a TLS port");
    let port = listener.local_addr().expect("its address").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, app) = (acceptor.clone(), app.clone());
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake here.
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper_util::service::TowerToHyperService::new(app);
                let _ = hyper_util::server::conn::auto::Builder::new(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .serve_connection_with_upgrades(hyper_util::rt::TokioIo::new(tls), service)
                .await;
            });
        }
    });
    port
}
