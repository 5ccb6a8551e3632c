//! A whole Mart of real processes for one test: a tansu broker of its own, and
//! either every service as its own `mart serve <service>` (as docker-compose
//! runs them), two of each, or everything in one `mart up`; all on free loopback ports, with
//! databases and topics of their own. Processes are stopped by their pid with
//! SIGKILL, as a crash would, and started again with the same settings.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use mart_service::testkit::{self, Broker, free_port};
use mart_service::{Database, ServiceConfig, ServiceName};

/// A broker that admits only `user` (SASL/SCRAM), reached over TLS when `tls` names the
/// CA of the TLS proxy in front of it ([`testkit::tls::forward`]).
pub struct SecureBroker<'a> {
    pub user: &'a str,
    pub password: &'a str,
    pub tls: Option<&'a testkit::tls::TestCa>,
}

/// How the services run.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `mart serve <service>` per subgraph, and the router.
    Separate,
    /// `mart up`.
    OneProcess,
    /// Two `mart serve <service>` of every subgraph and two routers, as two stacks: each
    /// stack's processes call their own stack's subgraphs, and the two share the
    /// databases, the topics (four partitions each) and the data directory.
    TwoOfEach,
}

pub struct System {
    pub dir: PathBuf,
    pub router_url: String,
    pub config: ServiceConfig,
    layout: Layout,
    env: Vec<(String, String)>,
    ports: HashMap<ServiceName, u16>,
    /// The second stack's ports ([`Layout::TwoOfEach`]; empty otherwise).
    second: HashMap<ServiceName, u16>,
    broker: Option<Broker>,
    processes: BTreeMap<String, Child>,
}

const ROUTER: &str = "router";
const UP: &str = "up";

/// The secret the system's processes share (`MART_SUBGRAPH_SECRET`).
pub const SUBGRAPH_SECRET: &str = "chaos-test-shared-secret";

impl System {
    /// The port `service` listens on.
    pub fn port(&self, service: ServiceName) -> u16 {
        self.ports[&service]
    }

    pub async fn start(label: &str, layout: Layout) -> Self {
        Self::start_with_env(label, layout, &[]).await
    }

    /// [`Self::start`], every process also given `extra` variables.
    pub async fn start_with_env(label: &str, layout: Layout, extra: &[(&str, &str)]) -> Self {
        Self::start_with_broker(label, layout, extra, None).await
    }

    /// [`Self::start_with_env`] on `secure`'s broker, if given.
    pub async fn start_with_broker(
        label: &str,
        layout: Layout,
        extra: &[(&str, &str)],
        secure: Option<SecureBroker<'_>>,
    ) -> Self {
        let mut config = testkit::isolated_config(label);
        let dir = std::env::temp_dir().join(format!("mart-{label}-{}", testkit::unique_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        let broker = match secure {
            Some(secure) => {
                let port = free_port();
                // Behind TLS, clients are sent to the proxy, by the name its certificate has.
                let front = match secure.tls {
                    Some(ca) => {
                        let front = free_port();
                        testkit::tls::forward(ca, front, ([127, 0, 0, 1], port).into()).await;
                        Some(format!("localhost:{front}"))
                    }
                    None => None,
                };
                let broker = Broker::start_authenticating(
                    &dir,
                    port,
                    front.as_deref(),
                    secure.user,
                    secure.password,
                )
                .await;
                config.kafka_brokers = front.unwrap_or_else(|| broker.address());
                broker
            }
            None => {
                let broker = Broker::start(&dir, free_port());
                broker.wait_until_listening().await;
                config.kafka_brokers = broker.address();
                broker
            }
        };
        let ports: HashMap<ServiceName, u16> = ServiceName::subgraphs()
            .chain([ServiceName::Router])
            .map(|s| (s, free_port()))
            .collect();
        let mut env = vec![
            ("MART_DATABASE_URL".into(), config.database_url.clone()),
            (
                "MART_DATABASE_PREFIX".into(),
                config.database_prefix.clone(),
            ),
            ("MART_TOPIC_PREFIX".into(), config.topic_prefix.clone()),
            ("MART_KAFKA_BROKERS".into(), config.kafka_brokers.clone()),
            ("MART_DATA_DIR".into(), dir.display().to_string()),
            ("MART_LOG".into(), "info".into()),
            // Small pools: eight processes of this test share the machine's
            // PostgreSQL with the rest of the suite.
            ("MART_DATABASE_POOL_SIZE".into(), "6".into()),
            // Subgraphs answer only signed requests: every call between the processes,
            // the router's and orders' at placement, runs signed.
            ("MART_SUBGRAPH_SECRET".into(), SUBGRAPH_SECRET.into()),
        ];
        for (service, port) in &ports {
            env.push((service.port_var(), port.to_string()));
        }
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let second: HashMap<ServiceName, u16> = match layout {
            Layout::TwoOfEach => {
                env.push(("MART_TOPIC_PARTITIONS".into(), "4".into()));
                ports.keys().map(|s| (*s, free_port())).collect()
            }
            _ => HashMap::new(),
        };
        let router_url = format!("http://127.0.0.1:{}/graphql", ports[&ServiceName::Router]);
        let mut system = Self {
            dir,
            router_url,
            config,
            layout,
            env,
            ports,
            second,
            broker: Some(broker),
            processes: BTreeMap::new(),
        };
        match layout {
            Layout::Separate => {
                system.run_to_end(&["seed", "--demo"]);
                for service in ServiceName::subgraphs() {
                    system.spawn(service.as_str(), &["serve", service.as_str()]);
                }
                system.spawn(ROUTER, &["serve", ROUTER]);
            }
            Layout::OneProcess => system.spawn(UP, &["up"]),
            Layout::TwoOfEach => {
                system.run_to_end(&["seed", "--demo"]);
                for service in ServiceName::subgraphs().chain([ServiceName::Router]) {
                    let name = service.as_str();
                    system.spawn(name, &["serve", name]);
                    system.spawn(&format!("{name}-2"), &["serve", name]);
                }
            }
        }
        system.wait_until_ready().await;
        system
    }

    /// The variables every process of this system is started with.
    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }

    fn command(&self, args: &[&str], log: &str) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mart"));
        command
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null());
        // The second stack's processes listen on, and call, the second stack's ports.
        if log.ends_with("-2") {
            command.envs(
                self.second
                    .iter()
                    .map(|(s, p)| (s.port_var(), p.to_string())),
            );
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("{log}.log")))
            .unwrap();
        command.stdout(file.try_clone().unwrap()).stderr(file);
        command
    }

    fn run_to_end(&self, args: &[&str]) {
        let status = self.command(args, args[0]).status().unwrap();
        assert!(status.success(), "mart {args:?} failed: {}", self.logs());
    }

    fn spawn(&mut self, name: &str, args: &[&str]) {
        let child = self.command(args, name).spawn().expect("mart starts");
        self.processes.insert(name.to_string(), child);
    }

    /// The tail of every log of this system, for a failure message.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return out;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "log") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let lines: Vec<&str> = text.lines().collect();
                let tail = lines[lines.len().saturating_sub(15)..].join("\n");
                out.push_str(&format!("\n--- {} ---\n{tail}\n", path.display()));
            }
        }
        out
    }

    /// Every router's GraphQL URL (two with [`Layout::TwoOfEach`]).
    pub fn router_urls(&self) -> Vec<String> {
        let second = self.second.get(&ServiceName::Router);
        std::iter::once(self.router_url.clone())
            .chain(second.map(|p| format!("http://127.0.0.1:{p}/graphql")))
            .collect()
    }

    /// Every service answers `/health` (and the router its own).
    pub async fn wait_until_ready(&self) {
        let client = reqwest::Client::new();
        for port in self.ports.values().chain(self.second.values()) {
            let url = format!("http://127.0.0.1:{port}/health");
            let client = &client;
            testkit::eventually(&url, Duration::from_secs(120), || async {
                let ok = client.get(&url).send().await.ok()?.status().is_success();
                ok.then_some(())
            })
            .await;
        }
    }

    /// `/metrics` of `service`.
    pub async fn metrics(&self, service: ServiceName) -> String {
        let url = format!("http://127.0.0.1:{}/metrics", self.ports[&service]);
        reqwest::get(&url).await.unwrap().text().await.unwrap()
    }

    /// SIGKILL for the broker.
    pub fn kill_broker(&mut self) {
        self.broker.take().expect("the broker runs").kill();
    }

    pub async fn start_broker(&mut self) {
        assert!(self.broker.is_none(), "the broker runs already");
        let port: u16 = self
            .config
            .kafka_brokers
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap();
        let broker = Broker::start(&self.dir, port);
        broker.wait_until_listening().await;
        self.broker = Some(broker);
    }

    /// SIGKILL for `service`'s process (`mart up` itself in one process).
    pub fn kill(&mut self, service: ServiceName) {
        let name = self.process_of(service);
        let mut child = self.processes.remove(&name).expect("the process runs");
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// Starts `service`'s process again with the same settings.
    pub fn restart(&mut self, service: ServiceName) {
        let name = self.process_of(service);
        match self.layout {
            Layout::OneProcess => self.spawn(UP, &["up"]),
            Layout::Separate | Layout::TwoOfEach => self.spawn(&name, &["serve", &name]),
        }
    }

    fn process_of(&self, service: ServiceName) -> String {
        match self.layout {
            Layout::OneProcess => UP.to_string(),
            Layout::Separate | Layout::TwoOfEach => service.as_str().to_string(),
        }
    }

    pub async fn database(&self, service: ServiceName) -> Database {
        let name = self.config.database_name(service);
        Database::open_named(&self.config, &name, &[])
            .await
            .unwrap()
    }

    /// Stops every process and drops the databases.
    pub async fn stop(mut self) {
        for (_, mut child) in std::mem::take(&mut self.processes) {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.broker.take();
        for service in ServiceName::subgraphs() {
            let name = self.config.database_name(service);
            let _ = mart_service::db::drop_database(&self.config.database_url, &name).await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for System {
    fn drop(&mut self) {
        for child in self.processes.values_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
