//! Kafka as a managed cluster serves it (issue 18): over TLS, admitting only a SASL/SCRAM
//! user. Mart configured for it (`MART_KAFKA_SECURITY_PROTOCOL=sasl_ssl`, the CA in
//! `MART_KAFKA_CA_FILE`, the `MART_KAFKA_SASL_*` user) runs the whole saga on it; a process
//! given the wrong password does not come up as if all were well.
//!
//! tansu 0.6 cannot serve TLS itself (its `--cert` and `--key` refuse to be given
//! together), so TLS ends at a proxy in front of it, with a certificate from a CA made in
//! the test, as a TLS load balancer in front of brokers would.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mart_service::testkit;
use serde_json::json;

use super::shop::Shopper;
use super::system::{Layout, SecureBroker, System};

const USER: &str = "mart";
const PASSWORD: &str = "a-scram-password-for-this-test";

fn sasl_env(password: &str, ca_file: &str) -> Vec<(&'static str, String)> {
    vec![
        ("MART_KAFKA_SECURITY_PROTOCOL", "sasl_ssl".into()),
        ("MART_KAFKA_CA_FILE", ca_file.into()),
        ("MART_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512".into()),
        ("MART_KAFKA_SASL_USERNAME", USER.into()),
        ("MART_KAFKA_SASL_PASSWORD", password.into()),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn the_saga_runs_on_a_broker_reached_over_tls_with_sasl_scram() {
    let ca = testkit::tls::TestCa::new("kafka test CA");
    let ca_dir = std::env::temp_dir().join(format!("mart-kafka-ca-{}", testkit::unique_suffix()));
    std::fs::create_dir_all(&ca_dir).unwrap();
    let ca_file = ca.write_pem(&ca_dir).display().to_string();
    let env = sasl_env(PASSWORD, &ca_file);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let secure = SecureBroker {
        user: USER,
        password: PASSWORD,
        tls: Some(&ca),
    };
    let system = System::start_with_broker("sasl", Layout::OneProcess, &env, Some(secure)).await;
    let shopper = Shopper::new(&system, "sasl").await;
    let product = shopper.product("Authenticated mug").await;
    let customer = shopper.first_customer();
    let order = shopper
        .gql
        .place_order(&customer.token, &product, "tok_ok", "sasl-order")
        .await
        .expect("placed");
    let gql = &shopper.gql;
    testkit::eventually(
        "the order to be confirmed through the authenticated broker",
        Duration::from_secs(60),
        || async {
            let data = gql
                .call(
                    Some(&customer.token),
                    "query($id: ID!) { order(id: $id) { status } }",
                    json!({ "id": order }),
                )
                .await
                .ok()?;
            let status = data["order"]["status"].as_str()?.to_string();
            ["CONFIRMED", "AWAITING_SHIPMENT", "SHIPPED"]
                .contains(&status.as_str())
                .then_some(())
        },
    )
    .await;

    // The same process with the wrong password: it must not start as if the broker were
    // there (it cannot create or read a topic), and the password is in no line it logs.
    let wrong = "not-the-password";
    let log = system.dir.join("wrong-password.log");
    let file = std::fs::File::create(&log).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mart"))
        .args(["serve", "products"])
        .envs(system.env().iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .envs(sasl_env(wrong, &ca_file))
        .env("MART_PRODUCTS_PORT", testkit::free_port().to_string())
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "a process with the wrong Kafka password kept running: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(!status.success(), "{logged}");
    assert!(logged.contains("MART_KAFKA_SECURITY_PROTOCOL"), "{logged}");
    assert!(
        !logged.contains(wrong) && !logged.contains(PASSWORD),
        "{logged}"
    );
    system.stop().await;
    let _ = std::fs::remove_dir_all(&ca_dir);
}
