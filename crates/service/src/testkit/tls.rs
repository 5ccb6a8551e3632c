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

/// Accepts TLS with a certificate `ca` issued for `localhost`.
fn acceptor(ca: &TestCa) -> tokio_rustls::TlsAcceptor {
    let issued = ca.localhost();
    let config = rustls::ServerConfig::builder_with_provider(mart_auth::tls::crypto_provider())
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![issued.cert], issued.key)
        .expect("the certificate and its key");
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// Terminates TLS on `port` (a certificate `ca` issued for `localhost`) and forwards each
/// connection's bytes to `target` in the clear, as a TLS load balancer in front of a server
/// that speaks only plain TCP (tansu 0.6 cannot serve TLS itself). Runs until the test ends.
pub async fn forward(ca: &TestCa, port: u16, target: std::net::SocketAddr) {
    let acceptor = acceptor(ca);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind the TLS port");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = tokio::net::TcpStream::connect(target).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
}

/// Serves `app` over TLS with a certificate `ca` issued for `localhost` (HTTP/1.1 and 2,
/// WebSocket upgrades included); returns the port.
pub async fn serve(app: axum::Router, ca: &TestCa) -> u16 {
    let acceptor = acceptor(ca);
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
