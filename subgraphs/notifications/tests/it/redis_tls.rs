//! Live notifications through a Redis that speaks only TLS (`rediss://`), its certificate
//! from a CA made here and trusted as `MART_TLS_CA_FILE` would.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use mart_service::testkit::tls::TestCa;
use mart_service::testkit::{self, free_port};

use crate::support::{Harness, TIMEOUT};

/// A `redis-server` with TLS only (no plain port), killed on drop.
struct TlsRedis {
    port: u16,
    dir: std::path::PathBuf,
    child: Child,
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The server, and the CA's PEM file.
async fn tls_redis() -> (TlsRedis, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("mart-redis-tls-{}", testkit::unique_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = TestCa::new("Mart test CA");
    let leaf = ca.localhost();
    let file = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let ca_file = file("ca.pem", ca.pem.clone());
    let cert = file("redis.crt", leaf.cert_pem);
    let key = file("redis.key", leaf.key_pem);
    let port = free_port();
    let child = Command::new("redis-server")
        .args([
            "--port",
            "0",
            "--tls-port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .arg("--tls-cert-file")
        .arg(&cert)
        .arg("--tls-key-file")
        .arg(&key)
        .arg("--tls-ca-cert-file")
        .arg(&ca_file)
        .args([
            "--tls-auth-clients",
            "no",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server runs (apt-get install redis-server)");
    let redis = TlsRedis { port, dir, child };
    testkit::eventually("the TLS redis to listen", TIMEOUT, || async {
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .ok()
            .map(drop)
    })
    .await;
    (redis, ca_file)
}

#[tokio::test(flavor = "multi_thread")]
async fn notifications_go_live_through_a_redis_over_tls() {
    let (redis, ca_file) = tls_redis().await;
    let url = format!("rediss://localhost:{}", redis.port);

    // Untrusted, the certificate is refused.
    let untrusted = mart_notifications::delivery::redis_client(&url).unwrap();
    let refused = untrusted.get_multiplexed_async_connection().await;
    assert!(refused.is_err(), "a Redis whose CA is unknown was trusted");

    mart_auth::tls::trust_pem_file(&ca_file).unwrap();
    let h = Harness::start_with_redis("notify_tls", Some(url)).await;
    let ada = h.customer();
    let mut live = h.subscribe(Some(&ada)).await;
    h.place(ada.id, "M-7001").await;
    let n = tokio::time::timeout(Duration::from_secs(30), live.next_notification())
        .await
        .expect("a live notification through the TLS Redis");
    assert_eq!(n["title"], "Order M-7001 received");
}
