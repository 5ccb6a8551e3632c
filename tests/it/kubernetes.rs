//! No cluster runs here, so this reads deploy/k8s/ and fails when it drifts from the code,
//! as docker_compose.rs does for the compose file: every service has a Deployment that
//! runs it on its port with probes on /ready and /health, a Service that selects its pods,
//! an autoscaler and a disruption budget; every `MART_*` variable set is one the code
//! reads; the routers read the supergraph ConfigMap and reload it; the files kustomize
//! applies are the files there are.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mart_service::ServiceName;
use mart_service::config::ENV_VARS;
use serde_yaml::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/k8s")
}

/// Every document of every YAML file there, with the file it came from.
fn documents() -> Vec<(String, Value)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .expect("deploy/k8s exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut docs = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        // Documents are separated by `---` lines (none of these files uses another form).
        for doc in text.split("\n---\n") {
            let value: Value = serde_yaml::from_str(doc)
                .unwrap_or_else(|e| panic!("{name} is not valid YAML: {e}"));
            if !value.is_null() {
                docs.push((name.clone(), value));
            }
        }
    }
    docs
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

fn at<'a>(value: &'a Value, path: &[&str]) -> &'a Value {
    path.iter()
        .fold(value, |v, key| v.get(*key).unwrap_or(&Value::Null))
}

fn of_kind<'a>(docs: &'a [(String, Value)], kind: &str) -> Vec<&'a Value> {
    docs.iter()
        .map(|(_, d)| d)
        .filter(|d| text(&d["kind"]) == kind)
        .collect()
}

fn named<'a>(docs: &'a [(String, Value)], kind: &str, name: &str) -> &'a Value {
    of_kind(docs, kind)
        .into_iter()
        .find(|d| text(at(d, &["metadata", "name"])) == name)
        .unwrap_or_else(|| panic!("no {kind} named {name} in deploy/k8s"))
}

fn labels(value: &Value) -> BTreeMap<String, String> {
    value
        .as_mapping()
        .map(|m| m.iter().map(|(k, v)| (text(k), text(v))).collect())
        .unwrap_or_default()
}

/// Whether every label `selector` asks for is on `pod`.
fn selects(selector: &Value, pod: &Value) -> bool {
    let pod = labels(pod);
    let wanted = labels(selector);
    !wanted.is_empty() && wanted.iter().all(|(k, v)| pod.get(k) == Some(v))
}

fn the_container(deployment: &Value) -> &Value {
    let containers = at(deployment, &["spec", "template", "spec", "containers"]);
    let containers = containers.as_sequence().expect("containers");
    assert_eq!(containers.len(), 1, "one container a pod");
    &containers[0]
}

/// The `MART_*` names a container sets itself (`env`), each with its value or `None` when
/// it comes from a Secret.
fn env_of(container: &Value) -> BTreeMap<String, Option<String>> {
    let env = container["env"].as_sequence().cloned().unwrap_or_default();
    env.iter()
        .map(|e| {
            let value = e.get("value").map(text);
            (text(&e["name"]), value)
        })
        .collect()
}

fn known_variable(name: &str) -> bool {
    ENV_VARS.iter().any(|v| v.name == name)
        || ServiceName::ALL
            .iter()
            .any(|s| s.port_var() == name || s.url_var() == name)
        || mart_router::is_router_env_var(name)
}

#[test]
fn every_service_runs_on_its_port_with_probes_a_service_an_autoscaler_and_a_budget() {
    let docs = documents();
    for service in ServiceName::ALL {
        let name = service.as_str();
        let port = i64::from(service.default_port());
        let deployment = named(&docs, "Deployment", name);
        let container = the_container(deployment);
        let args: Vec<String> = container["args"]
            .as_sequence()
            .map(|a| a.iter().map(text).collect())
            .unwrap_or_default();
        assert_eq!(args, ["serve", name], "{name}'s container runs {args:?}");
        let ports: Vec<i64> = container["ports"]
            .as_sequence()
            .map(|p| {
                p.iter()
                    .filter_map(|p| p["containerPort"].as_i64())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(ports, [port], "{name} listens on {port}");
        for (probe, path) in [("readinessProbe", "/ready"), ("livenessProbe", "/health")] {
            let get = at(container, &[probe, "httpGet"]);
            assert_eq!(text(&get["path"]), path, "{name}'s {probe}");
            assert_eq!(get["port"].as_i64(), Some(port), "{name}'s {probe} port");
        }
        let pod = at(deployment, &["spec", "template", "metadata", "labels"]);
        assert!(
            selects(at(deployment, &["spec", "selector", "matchLabels"]), pod),
            "{name}'s Deployment does not select its own pods"
        );

        let svc = named(&docs, "Service", name);
        assert!(
            selects(at(svc, &["spec", "selector"]), pod),
            "the {name} Service selects no {name} pod"
        );
        let svc_ports = at(svc, &["spec", "ports"]).as_sequence().unwrap();
        assert!(
            svc_ports.iter().any(|p| p["port"].as_i64() == Some(port)),
            "the {name} Service does not serve port {port}"
        );

        let hpa = named(&docs, "HorizontalPodAutoscaler", name);
        let target = at(hpa, &["spec", "scaleTargetRef"]);
        assert_eq!(
            (text(&target["kind"]), text(&target["name"])),
            ("Deployment".to_string(), name.to_string()),
            "{name}'s autoscaler scales something else"
        );
        let min = at(hpa, &["spec", "minReplicas"]).as_i64().unwrap_or(1);
        assert!(
            min >= 2,
            "{name} should keep two pods for a rolling node drain"
        );
        let pdb = named(&docs, "PodDisruptionBudget", name);
        assert!(
            selects(at(pdb, &["spec", "selector", "matchLabels"]), pod),
            "{name}'s disruption budget covers no {name} pod"
        );
    }
}

#[test]
fn every_variable_set_is_one_the_code_reads_and_urls_name_the_services() {
    let docs = documents();
    let mut unknown = Vec::new();
    let config = named(&docs, "ConfigMap", "mart-config");
    let data = labels(&config["data"]);
    for name in data.keys() {
        if !known_variable(name) {
            unknown.push(format!("{name} in mart-config"));
        }
    }
    // Subgraphs reach each other (the router is reached from outside).
    for service in ServiceName::ALL
        .iter()
        .filter(|s| **s != ServiceName::Router)
    {
        let url = format!(
            "http://{}:{}/graphql",
            service.as_str(),
            service.default_port()
        );
        assert_eq!(
            data.get(&service.url_var()),
            Some(&url),
            "mart-config's {} should be the {service} Service",
            service.url_var()
        );
    }
    for (file, doc) in &docs {
        let pod = match text(&doc["kind"]).as_str() {
            "Deployment" => at(doc, &["spec", "template", "spec"]),
            "Job" => at(doc, &["spec", "template", "spec"]),
            _ => continue,
        };
        for container in pod["containers"].as_sequence().unwrap() {
            for name in env_of(container).into_keys() {
                if !known_variable(&name) {
                    unknown.push(format!("{name} in {file}"));
                }
            }
            let from = container["envFrom"]
                .as_sequence()
                .cloned()
                .unwrap_or_default();
            for source in from {
                let map = text(at(&source, &["configMapRef", "name"]));
                assert_eq!(map, "mart-config", "{file} reads variables from {source:?}");
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "variables no service reads: {unknown:?}"
    );

    // The payment token is sealed by orders and checkout and opened by payments: all
    // three need the same key, and so the same Secret.
    for service in ["orders", "checkout", "payments"] {
        let env = env_of(the_container(named(&docs, "Deployment", service)));
        assert_eq!(
            env.get("MART_PAYMENT_TOKEN_KEY"),
            Some(&None),
            "{service} needs MART_PAYMENT_TOKEN_KEY from mart-secrets"
        );
    }
}

#[test]
fn the_routers_serve_the_supergraph_configmap_and_reload_it() {
    let docs = documents();
    let router = named(&docs, "Deployment", "router");
    let container = the_container(router);
    let env = env_of(container);
    let path = env
        .get("MART_ROUTER_SUPERGRAPH")
        .cloned()
        .flatten()
        .expect("the router is told where the supergraph is");
    assert_eq!(
        env.get("MART_ROUTER_HOT_RELOAD"),
        Some(&Some("true".into()))
    );
    let volumes = at(router, &["spec", "template", "spec", "volumes"])
        .as_sequence()
        .unwrap();
    let supergraph = volumes
        .iter()
        .find(|v| text(at(v, &["configMap", "name"])) == "mart-supergraph")
        .expect("a volume of the mart-supergraph ConfigMap");
    let mount = container["volumeMounts"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|m| m["name"] == supergraph["name"])
        .expect("the supergraph volume is mounted");
    // The ConfigMap's key (README.md there) is the file the router reads.
    assert_eq!(
        path,
        format!("{}/supergraph.graphql", text(&mount["mountPath"]))
    );
    let readme = std::fs::read_to_string(dir().join("README.md")).unwrap();
    assert!(
        readme.contains("--from-file=supergraph.graphql=schema/supergraph.graphql"),
        "deploy/k8s/README.md should say how the mart-supergraph ConfigMap is made"
    );
}

#[test]
fn kustomize_applies_every_manifest_and_only_those() {
    let text_of = std::fs::read_to_string(dir().join("kustomization.yaml")).unwrap();
    let kustomization: Value = serde_yaml::from_str(&text_of).unwrap();
    let mut listed: Vec<String> = kustomization["resources"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(text)
        .collect();
    listed.sort();
    let mut files: Vec<String> = documents()
        .into_iter()
        .map(|(file, _)| file)
        .filter(|f| f != "kustomization.yaml")
        .collect();
    files.dedup();
    assert_eq!(listed, files);
}
