use std::net::SocketAddr;

use mart_service::bootstrap::KafkaProbe;
use mart_service::http::{Readiness, probe_routes, spawn_server};
use mart_service::testkit::isolated_config;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

async fn serve(readiness: Readiness) -> (SocketAddr, CancellationToken) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let shutdown = CancellationToken::new();
    let handle = spawn_server(
        "probe-test",
        listener,
        probe_routes(readiness),
        shutdown.clone(),
    )
    .unwrap();
    (handle.addr, shutdown)
}

async fn get(addr: SocketAddr, path: &str) -> (u16, Value) {
    let resp = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn ready_when_postgres_and_kafka_answer() {
    let config = isolated_config("probes_ok");
    let db = crate::kafka_support::test_database(&config).await;
    let (addr, shutdown) = serve(
        Readiness::new()
            .with("postgres", db.clone())
            .with("kafka", KafkaProbe(config.kafka_brokers.clone())),
    )
    .await;
    assert_eq!(get(addr, "/health").await.0, 200);
    let (status, body) = get(addr, "/ready").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["checks"]["postgres"], "ok");
    assert_eq!(body["checks"]["kafka"], "ok");
    shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread")]
async fn not_ready_when_the_broker_is_unreachable() {
    // Nothing listens on port 1.
    let (addr, shutdown) =
        serve(Readiness::new().with("kafka", KafkaProbe("127.0.0.1:1".into()))).await;
    assert_eq!(
        get(addr, "/health").await.0,
        200,
        "liveness does not depend on Kafka"
    );
    let (status, body) = get(addr, "/ready").await;
    assert_eq!(status, 503);
    assert_eq!(body["status"], "unavailable");
    assert!(body["checks"]["kafka"]["error"].is_string(), "{body}");
    shutdown.cancel();
}
