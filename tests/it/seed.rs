//! `mart seed` as docker-compose runs it (no `--demo`): no account with a known password,
//! a first admin only from the operator's environment, and that admin never reset by a
//! later run (issue 16: the seed container used to reset a public admin password on every
//! `docker compose up`).

use std::process::Command;

use mart_service::ServiceConfig;
use mart_service::testkit::{DropDatabases, isolated_config, unique_suffix};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const ADMIN: &str = "ops@mart.example";

fn seed(config: &ServiceConfig, admin: Option<&str>) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mart"));
    command
        .arg("seed")
        .env("MART_DATABASE_URL", &config.database_url)
        .env("MART_DATABASE_PREFIX", &config.database_prefix)
        .env("MART_TOPIC_PREFIX", &config.topic_prefix)
        .env("MART_KAFKA_BROKERS", &config.kafka_brokers)
        .env("MART_DATA_DIR", &config.data_dir)
        .env("MART_DATABASE_POOL_SIZE", "2")
        .env_remove("MART_ADMIN_EMAIL")
        .env_remove("MART_ADMIN_PASSWORD");
    if let Some(password) = admin {
        command
            .env("MART_ADMIN_EMAIL", ADMIN)
            .env("MART_ADMIN_PASSWORD", password);
    }
    let output = command.output().expect("mart seed runs");
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "mart seed failed: {printed}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    printed
}

async fn login(url: &str, email: &str, password: &str) -> Value {
    let body = json!({
        "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { role } } }",
        "variables": { "e": email, "p": password },
    });
    reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("users answers")
        .json()
        .await
        .expect("a JSON body")
}

#[tokio::test(flavor = "multi_thread")]
async fn seeding_creates_no_known_password_and_never_resets_the_first_admin() {
    let mut config = isolated_config("seed");
    let _databases = DropDatabases::new(&config);
    config.data_dir = std::env::temp_dir().join(format!("mart-seed-{}", unique_suffix()));

    let printed = seed(&config, None);
    assert!(printed.contains("No account created"), "{printed}");
    assert!(!printed.contains("mart-admin-demo"), "{printed}");
    seed(&config, Some("first admin password"));
    // A later run with another password (an operator's typo, a leaked example) changes nothing.
    seed(&config, Some("another password entirely"));

    let shutdown = CancellationToken::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let users = mart_users::start(&config, listener, shutdown.clone())
        .await
        .expect("users starts");
    let url = format!("http://{}/graphql", users.addr);
    let demo = login(&url, "admin@mart.example", "mart-admin-demo").await;
    assert!(
        demo["data"]["login"].is_null(),
        "a demo admin exists: {demo}"
    );
    let first = login(&url, ADMIN, "first admin password").await;
    assert_eq!(first["data"]["login"]["user"]["role"], "ADMIN", "{first}");
    let later = login(&url, ADMIN, "another password entirely").await;
    assert!(
        later["data"]["login"].is_null(),
        "the admin was reset: {later}"
    );
    shutdown.cancel();
    users.join().await;
    let _ = std::fs::remove_dir_all(&config.data_dir);
}
