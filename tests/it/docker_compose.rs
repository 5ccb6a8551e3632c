//! docker-compose.yml cannot be run on our machines (no Docker engine), so this reads it
//! and fails when it drifts from the code: a service `mart` knows without a container, a
//! misspelt or unknown `MART_*` variable, a port that is not the service's port, or an
//! image without a pinned version.

use std::collections::BTreeMap;

use mart_service::ServiceName;
use mart_service::config::ENV_VARS;
use serde_yaml::Value;

/// A service block of docker-compose.yml, after YAML anchors and merge keys are applied.
pub(super) struct Container<'a> {
    pub(super) name: &'a str,
    spec: &'a Value,
}

impl<'a> Container<'a> {
    pub(super) fn get(&self, key: &str) -> Option<&'a Value> {
        self.spec.get(key)
    }

    /// `command` as a list of arguments, without a leading `mart` (the image's entrypoint).
    pub(super) fn command(&self) -> Vec<String> {
        let mut args = match self.get("command") {
            Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
            Some(Value::Sequence(items)) => items.iter().map(scalar).collect(),
            _ => Vec::new(),
        };
        if args.first().is_some_and(|a| a == "mart") {
            args.remove(0);
        }
        args
    }

    /// The `mart` service this container runs with `mart serve <name>`, if any.
    pub(super) fn serves(&self) -> Option<String> {
        match self.command().as_slice() {
            [serve, name] if serve == "serve" => Some(name.clone()),
            _ => None,
        }
    }

    /// `environment`, in either of its forms (map, or list of `NAME=value`).
    pub(super) fn environment(&self) -> BTreeMap<String, String> {
        match self.get("environment") {
            Some(Value::Mapping(map)) => map.iter().map(|(k, v)| (scalar(k), scalar(v))).collect(),
            Some(Value::Sequence(items)) => items
                .iter()
                .map(|item| {
                    let item = scalar(item);
                    match item.split_once('=') {
                        Some((k, v)) => (k.to_string(), v.to_string()),
                        None => (item, String::new()),
                    }
                })
                .collect(),
            _ => BTreeMap::new(),
        }
    }

    fn healthcheck_test(&self) -> String {
        match self.get("healthcheck").and_then(|h| h.get("test")) {
            Some(Value::Sequence(items)) => items.iter().map(scalar).collect::<Vec<_>>().join(" "),
            Some(other) => scalar(other),
            None => String::new(),
        }
    }

    pub(super) fn strings(&self, key: &str) -> Vec<String> {
        match self.get(key) {
            Some(Value::Sequence(items)) => items.iter().map(scalar).collect(),
            _ => Vec::new(),
        }
    }
}

pub(super) fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        other => serde_yaml::to_string(other).unwrap_or_default(),
    }
}

pub(super) fn compose() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docker-compose.yml");
    let text = std::fs::read_to_string(path).expect("read docker-compose.yml");
    let mut value: Value = serde_yaml::from_str(&text).expect("docker-compose.yml is YAML");
    value
        .apply_merge()
        .expect("docker-compose.yml's merge keys (<<) apply");
    value
}

pub(super) fn containers(compose: &Value) -> Vec<Container<'_>> {
    let Some(Value::Mapping(services)) = compose.get("services") else {
        panic!("docker-compose.yml has no services mapping");
    };
    services
        .iter()
        .map(|(name, spec)| Container {
            name: name.as_str().expect("service names are strings"),
            spec,
        })
        .collect()
}

/// The container that runs `mart serve <service>`.
pub(super) fn container_for<'a>(
    all: &'a [Container<'a>],
    service: ServiceName,
) -> &'a Container<'a> {
    let running: Vec<_> = all
        .iter()
        .filter(|c| c.serves().as_deref() == Some(service.as_str()))
        .collect();
    match running.as_slice() {
        [one] => one,
        [] => panic!(
            "no container in docker-compose.yml runs `mart serve {service}` \
             (add a block with command: [\"serve\", \"{service}\"])"
        ),
        many => panic!(
            "several containers run `mart serve {service}`: {:?}",
            many.iter().map(|c| c.name).collect::<Vec<_>>()
        ),
    }
}

#[test]
fn every_service_mart_knows_has_its_own_container() {
    let compose = compose();
    let all = containers(&compose);
    for service in ServiceName::ALL {
        let container = container_for(&all, *service);
        assert_eq!(
            container.name,
            service.as_str(),
            "the container running `mart serve {service}` should be named after it \
             (other containers reach it by that host name)"
        );
    }
    for container in &all {
        if let Some(name) = container.serves() {
            assert!(
                name.parse::<ServiceName>().is_ok(),
                "container {} runs `mart serve {name}`, a service mart does not know",
                container.name
            );
        }
    }
}

#[test]
fn every_mart_variable_is_one_the_code_reads() {
    let compose = compose();
    let mut known: Vec<String> = ENV_VARS.iter().map(|v| v.name.to_string()).collect();
    for service in ServiceName::ALL {
        known.push(service.port_var());
        known.push(service.url_var());
    }
    let is_router_var = mart_router::is_router_env_var;
    let mut unknown = Vec::new();
    for container in containers(&compose) {
        assert!(
            container.get("env_file").is_none(),
            "container {} reads an env_file: configuration belongs in docker-compose.yml \
             where this test can check it",
            container.name
        );
        for name in container.environment().into_keys() {
            if name.starts_with("MART_") && !known.contains(&name) && !is_router_var(&name) {
                unknown.push(format!("{} in {}", name, container.name));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "docker-compose.yml sets variables no service reads: {unknown:?}\nknown: {known:?}"
    );
}

#[test]
fn ports_and_urls_are_the_services_ports() {
    let compose = compose();
    let all = containers(&compose);
    for service in ServiceName::ALL {
        let port = service.default_port();
        let container = container_for(&all, *service);
        let health = container.healthcheck_test();
        assert!(
            health.contains(&format!(":{port}/health")),
            "{}'s health check should call /health on port {port}: {health:?}",
            container.name
        );
        let expose = container.strings("expose");
        assert!(
            expose.is_empty() || expose.iter().any(|p| p == &port.to_string()),
            "{} exposes {expose:?}, not its port {port}",
            container.name
        );
        for other in &all {
            let env = other.environment();
            if let Some(value) = env.get(&service.port_var()) {
                assert_eq!(
                    value,
                    &port.to_string(),
                    "{} sets {} to another port than the code's {port}",
                    other.name,
                    service.port_var()
                );
            }
            if let Some(url) = env.get(&service.url_var()) {
                assert_eq!(
                    url,
                    &format!("http://{}:{port}/graphql", container.name),
                    "{}'s {} does not point at the {service} container",
                    other.name,
                    service.url_var()
                );
            }
        }
    }

    // Any other URL naming a service's container (e.g. the router's JWKS URL) uses its port.
    for other in &all {
        for (name, value) in other.environment() {
            let Some((host, port)) = http_host_port(&value) else {
                continue;
            };
            let Some(service) = ServiceName::ALL
                .iter()
                .find(|s| container_for(&all, **s).name == host)
            else {
                continue;
            };
            assert_eq!(
                port,
                service.default_port(),
                "{}'s {name} calls {host} on another port than {service}'s",
                other.name
            );
        }
    }

    let router = container_for(&all, ServiceName::Router);
    let router_port = ServiceName::Router.default_port();
    let published: Vec<String> = router.strings("ports");
    assert!(
        published
            .iter()
            .any(|p| p.rsplit(':').next() == Some(router_port.to_string().as_str())),
        "the router's port {router_port} is not published: ports {published:?}"
    );
    if let Some(listen) = router.environment().get("MART_ROUTER_LISTEN") {
        assert!(
            listen.ends_with(&format!(":{router_port}")),
            "MART_ROUTER_LISTEN {listen} is not on the router's port {router_port}"
        );
    }
}

/// `http://host:port/…` → (host, port); None for anything else.
fn http_host_port(value: &str) -> Option<(&str, u16)> {
    let rest = value.strip_prefix("http://")?;
    let authority = rest.split('/').next()?;
    let (host, port) = authority.rsplit_once(':')?;
    Some((host, port.parse().ok()?))
}

#[test]
fn url_parsing_finds_host_and_port() {
    assert_eq!(
        http_host_port("http://users:4003/.well-known/jwks.json"),
        Some(("users", 4003))
    );
    assert_eq!(
        http_host_port("http://products:4001/graphql"),
        Some(("products", 4001))
    );
    assert_eq!(http_host_port("redis://redis:6379"), None);
    assert_eq!(http_host_port("http://products/graphql"), None);
}

#[test]
fn every_subgraph_url_the_router_needs_is_set() {
    let compose = compose();
    let all = containers(&compose);
    let router = container_for(&all, ServiceName::Router).environment();
    for service in ServiceName::subgraphs() {
        assert!(
            router.contains_key(&service.url_var()),
            "the router container lacks {}: it would call 127.0.0.1 instead of the {service} \
             container",
            service.url_var()
        );
    }
}

/// `name:tag` with a tag other than `latest`, or a digest.
fn pinned(image: &str) -> bool {
    if image.contains("@sha256:") {
        return true;
    }
    let last_segment = image.rsplit('/').next().unwrap_or(image);
    match last_segment.split_once(':') {
        Some((_, tag)) => tag != "latest" && tag.chars().any(|c| c.is_ascii_digit()),
        None => false,
    }
}

#[test]
fn every_image_is_pinned_to_a_version() {
    let compose = compose();
    for container in containers(&compose) {
        let image = container.get("image").map(scalar).unwrap_or_else(|| {
            panic!(
                "container {} has no image (a built one needs `image: name:version` too)",
                container.name
            )
        });
        assert!(
            pinned(&image),
            "container {}'s image {image} is not pinned to a version",
            container.name
        );
    }
}

#[test]
fn pinning_accepts_versions_and_refuses_latest() {
    assert!(pinned("postgres:16.9-bookworm"));
    assert!(pinned("apache/kafka:3.9.1"));
    assert!(pinned("localhost:5000/mart:0.1.0"));
    assert!(pinned("redis@sha256:0123abcd"));
    assert!(!pinned("redis"));
    assert!(!pinned("redis:latest"));
    assert!(!pinned("localhost:5000/mart"));
    assert!(!pinned("redis:alpine"));
}

#[test]
fn dependencies_wait_for_health() {
    let compose = compose();
    let all = containers(&compose);
    for container in &all {
        let Some(depends_on) = container.get("depends_on") else {
            continue;
        };
        let Value::Mapping(entries) = depends_on else {
            panic!(
                "{}'s depends_on is a list: use the long form with a condition",
                container.name
            );
        };
        for (dependency, spec) in entries {
            let dependency = scalar(dependency);
            let condition = spec.get("condition").map(scalar).unwrap_or_default();
            assert!(
                condition == "service_healthy" || condition == "service_completed_successfully",
                "{} depends on {dependency} without waiting for it (condition {condition:?})",
                container.name
            );
            let target = all
                .iter()
                .find(|c| c.name == dependency)
                .unwrap_or_else(|| panic!("{} depends on unknown {dependency}", container.name));
            if condition == "service_healthy" {
                assert!(
                    target.get("healthcheck").is_some(),
                    "{} waits for {dependency} to be healthy, but it has no health check",
                    container.name
                );
            }
        }
    }
}

/// docker-compose ships no account with a known password: its one-shot `seed` runs without
/// `--demo` and takes the first admin from the operator's environment (issue 16).
#[test]
fn the_seed_container_creates_no_demo_accounts() {
    let compose = compose();
    let seed = &compose["services"]["seed"];
    let command: Vec<&str> = seed["command"]
        .as_sequence()
        .expect("the seed container has a command list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        command,
        ["seed"],
        "the seed container must not seed demo accounts"
    );
    for variable in ["MART_ADMIN_EMAIL", "MART_ADMIN_PASSWORD"] {
        let value = seed["environment"][variable].as_str().unwrap_or_default();
        assert!(
            value.starts_with("${") && value.contains(variable),
            "{variable} comes from the operator's environment, not the file: {value:?}"
        );
    }
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docker-compose.yml"))
        .unwrap();
    assert!(
        !text.contains("mart-admin-demo"),
        "a demo password in docker-compose.yml"
    );
}
