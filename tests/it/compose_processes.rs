//! docker-compose.yml run as docker-compose would run it, without Docker: one `mart`
//! process per container of the file, each with that container's command and
//! environment (anchors, merge keys and `${VAR:-default}` applied) and its volumes, the
//! containers' host names mapped to loopback. What cannot be the same on one host is
//! mapped, and only that: each service's port is a free one (set with its
//! `MART_<SERVICE>_PORT`, and every URL naming it follows), the PostgreSQL URL is this
//! machine's (its credentials differ from the compose file's), and the databases and
//! topics get this test's prefixes. Then an order and a cart's checkout go through the
//! router to CONFIRMED: that proves the wiring (who reaches whom, which containers share
//! the payment-token key), not only the syntax docker_compose.rs checks.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use mart_service::testkit::{self, free_port};
use mart_service::{ServiceConfig, ServiceName};
use serde_json::{Value, json};

use super::docker_compose::{Container, compose, container_for, containers};

/// How long the system may take to start, and an order to settle.
const DEADLINE: Duration = Duration::from_secs(120);

/// `${NAME:-default}` and `${NAME}` as compose reads them with nothing set: the default,
/// or empty.
fn interpolate(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        let inner = &rest[start + 2..start + end];
        if let Some((_, default)) = inner.split_once(":-") {
            out.push_str(default);
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// The processes of the system; killed (SIGKILL) and reaped when dropped, also when the
/// test fails.
struct Processes {
    dir: PathBuf,
    running: Vec<(String, Child)>,
}

impl Processes {
    fn log(&self, name: &str) -> std::fs::File {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("{name}.log")))
            .unwrap()
    }

    fn command(&self, name: &str, args: &[String], env: &BTreeMap<String, String>) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mart"));
        let log = self.log(name);
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(env)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        command
    }

    /// The tail of every log, for a failure message.
    fn logs(&self) -> String {
        let mut out = String::new();
        for (name, _) in &self.running {
            let text = std::fs::read_to_string(self.dir.join(format!("{name}.log")));
            let text = text.unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(15).collect();
            out.push_str(&format!("--- {name}\n"));
            for line in tail.into_iter().rev() {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        for (_, child) in &mut self.running {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Each container's environment and data directory, mapped to this machine.
struct Mapping<'a> {
    config: &'a ServiceConfig,
    dir: &'a Path,
    ports: HashMap<ServiceName, u16>,
    /// Container name → the service it runs, for host names in URLs.
    hosts: Vec<(String, ServiceName)>,
}

impl Mapping<'_> {
    fn value(&self, name: &str, value: &str) -> String {
        let mut value = interpolate(value);
        if name == "MART_DATABASE_URL" {
            return self.config.database_url.clone();
        }
        for (host, service) in &self.hosts {
            let from = format!("{host}:{}", service.default_port());
            value = value.replace(&from, &format!("127.0.0.1:{}", self.ports[service]));
        }
        value
            .replace("kafka:9092", &self.config.kafka_brokers)
            .replace("redis://redis:6379", &self.config.redis_url)
            .replace(
                "0.0.0.0:4000",
                &format!("127.0.0.1:{}", self.ports[&ServiceName::Router]),
            )
            .replace("0.0.0.0", "127.0.0.1")
    }

    /// The container's environment: its own, mapped, plus this test's isolation, its
    /// service's port and its data directory (`/app/data`, with its volumes in it).
    fn environment(&self, container: &Container<'_>) -> BTreeMap<String, String> {
        let mut env: BTreeMap<String, String> = container
            .environment()
            .into_iter()
            .map(|(k, v)| {
                let v = self.value(&k, &v);
                (k, v)
            })
            .collect();
        env.insert(
            "MART_DATABASE_PREFIX".into(),
            self.config.database_prefix.clone(),
        );
        env.insert("MART_TOPIC_PREFIX".into(), self.config.topic_prefix.clone());
        env.insert("MART_DATABASE_POOL_SIZE".into(), "6".into());
        if let Some(service) = self.hosts.iter().find(|(h, _)| h == container.name) {
            env.insert(service.1.port_var(), self.ports[&service.1].to_string());
        }
        env.insert(
            "MART_DATA_DIR".into(),
            self.data_dir(container).display().to_string(),
        );
        env
    }

    /// `/app/data` of the container: a directory of its own, or a named volume mounted
    /// there; a volume mounted below it (`…:/app/data/keys`) is linked in, so containers
    /// that share a volume share those files and the others do not.
    fn data_dir(&self, container: &Container<'_>) -> PathBuf {
        let volume = |name: &str| {
            let path = self.dir.join("volumes").join(name);
            std::fs::create_dir_all(&path).unwrap();
            path
        };
        let mounts: Vec<(String, String)> = container
            .strings("volumes")
            .iter()
            .filter_map(|m| {
                m.split_once(':')
                    .map(|(v, p)| (v.to_string(), p.to_string()))
            })
            .collect();
        let data = match mounts.iter().find(|(_, path)| path == "/app/data") {
            Some((name, _)) => volume(name),
            None => {
                let own = self.dir.join("containers").join(container.name);
                std::fs::create_dir_all(&own).unwrap();
                own
            }
        };
        for (name, path) in &mounts {
            if let Some(below) = path.strip_prefix("/app/data/") {
                let link = data.join(below);
                if !link.exists() {
                    std::os::unix::fs::symlink(volume(name), &link).unwrap();
                }
            }
        }
        data
    }
}

async fn healthy(client: &reqwest::Client, port: u16) -> bool {
    let url = format!("http://127.0.0.1:{port}/health");
    matches!(client.get(url).send().await, Ok(r) if r.status().is_success())
}

async fn gql(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    vars: Value,
) -> Value {
    let mut request = client
        .post(url)
        .json(&json!({ "query": query, "variables": vars }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let body: Value = request.send().await.unwrap().json().await.unwrap();
    assert!(body.get("errors").is_none(), "{query}: {body:#}");
    body["data"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .clone()
}

async fn wait_confirmed(client: &reqwest::Client, url: &str, token: &str, id: &str) -> Value {
    let query = "query($id: ID!) { order(id: $id) { status cancelReason total { amountMinor } } }";
    testkit::eventually(&format!("order {id} to be CONFIRMED"), DEADLINE, || async {
        let order = gql(client, url, Some(token), query, json!({ "id": id })).await;
        assert_ne!(order["status"], "CANCELLED", "{order:#}");
        (order["status"] == "CONFIRMED" || order["status"] == "AWAITING_SHIPMENT").then_some(order)
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_compose_file_run_as_processes_takes_an_order_and_a_checkout() {
    let config = testkit::isolated_config("compose");
    let _databases = testkit::DropDatabases::new(&config);
    let dir = std::env::temp_dir().join(format!("mart-compose-{}", testkit::unique_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let compose = compose();
    let all = containers(&compose);
    let hosts: Vec<(String, ServiceName)> = ServiceName::ALL
        .iter()
        .map(|s| (container_for(&all, *s).name.to_string(), *s))
        .collect();
    let mapping = Mapping {
        config: &config,
        dir: &dir,
        ports: ServiceName::ALL.iter().map(|s| (*s, free_port())).collect(),
        hosts,
    };
    let mut processes = Processes {
        dir: dir.clone(),
        running: Vec::new(),
    };
    let client = reqwest::Client::new();

    // As compose orders them (depends_on): the subgraphs, then the router, then the seed.
    let mart: Vec<&Container<'_>> = all
        .iter()
        .filter(|c| {
            c.get("image")
                .is_some_and(|i| super::docker_compose::scalar(i).starts_with("mart:"))
        })
        .collect();
    let (router, subgraphs): (Vec<&&Container<'_>>, Vec<&&Container<'_>>) = mart
        .iter()
        .filter(|c| c.serves().is_some())
        .partition(|c| c.serves().as_deref() == Some("router"));
    for group in [subgraphs, router] {
        for container in &group {
            let env = mapping.environment(container);
            let child = processes
                .command(container.name, &container.command(), &env)
                .spawn()
                .expect("mart starts");
            processes.running.push((container.name.to_string(), child));
        }
        for container in &group {
            let service = ServiceName::ALL
                .iter()
                .find(|s| Some(s.as_str()) == container.serves().as_deref())
                .unwrap();
            let port = mapping.ports[service];
            let what = format!("{} healthy", container.name);
            let started = tokio::time::timeout(DEADLINE, async {
                while !healthy(&client, port).await {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            })
            .await;
            assert!(started.is_ok(), "{what}: {}", processes.logs());
        }
    }
    for seed in mart.iter().filter(|c| c.serves().is_none()) {
        let env = mapping.environment(seed);
        let status = processes
            .command(seed.name, &seed.command(), &env)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "the {} container failed: {}",
            seed.name,
            processes.logs()
        );
    }

    let url = format!(
        "http://127.0.0.1:{}/graphql",
        mapping.ports[&ServiceName::Router]
    );
    let email = format!("compose-{}@example.com", testkit::unique_suffix());
    let register = "mutation($e: String!) { register(email: $e, password: \"a long password 1\", name: \"Ada\") { id } }";
    gql(&client, &url, None, register, json!({ "e": email })).await;
    let login = "mutation($e: String!) { login(email: $e, password: \"a long password 1\") { accessToken } }";
    let auth = gql(&client, &url, None, login, json!({ "e": email })).await;
    let token = auth["accessToken"].as_str().unwrap().to_string();
    let catalogue = gql(
        &client,
        &url,
        None,
        "{ products(first: 20) { edges { node { id stock { inStock } } } } }",
        json!({}),
    )
    .await;
    let product = catalogue["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|p| p["stock"]["inStock"] == true)
        .expect("the seed put a product in stock")["id"]
        .clone();

    let address = json!({ "name": "Ada", "line1": "1 Dam", "city": "Amsterdam", "postalCode": "1012 JS", "country": "NL" });
    let place = "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }";
    let input = json!({ "lines": [{ "productId": product, "quantity": 1 }], "address": address,
                        "paymentToken": "tok_ok", "idempotencyKey": "compose-order" });
    let placed = gql(&client, &url, Some(&token), place, json!({ "i": input })).await;
    wait_confirmed(&client, &url, &token, placed["id"].as_str().unwrap()).await;

    // Checkout seals the payment token too: payments opens it only if the two share
    // the key (the payment-token-key volume).
    let cart = gql(
        &client,
        &url,
        Some(&token),
        "mutation { createCart { id } }",
        json!({}),
    )
    .await;
    let cart_id = cart["id"].clone();
    let add =
        "mutation($c: ID!, $p: ID!) { addToCart(cartId: $c, productId: $p, quantity: 1) { id } }";
    gql(
        &client,
        &url,
        Some(&token),
        add,
        json!({ "c": cart_id, "p": product }),
    )
    .await;
    let send = "mutation($c: ID!, $a: CartAddressInput!) { setCartAddress(cartId: $c, address: $a) { total { amountMinor } } }";
    let sent = gql(
        &client,
        &url,
        Some(&token),
        send,
        json!({ "c": cart_id, "a": address }),
    )
    .await;
    let checkout = "mutation($c: ID!, $e: Int!) { checkoutComplete(cartId: $c, paymentToken: \"tok_ok\", \
        idempotencyKey: \"compose-checkout\", expectedTotal: $e) { outcome orderId } }";
    let done = gql(
        &client,
        &url,
        Some(&token),
        checkout,
        json!({ "c": cart_id, "e": sent["total"]["amountMinor"] }),
    )
    .await;
    assert_eq!(done["outcome"], "PLACED", "{done:#}");
    let order = wait_confirmed(&client, &url, &token, done["orderId"].as_str().unwrap()).await;
    assert_eq!(order["total"]["amountMinor"], sent["total"]["amountMinor"]);
    drop(processes);
    let _ = std::fs::remove_dir_all(&dir);
}
