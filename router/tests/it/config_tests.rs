//! Configuration: YAML file plus `MART_ROUTER_*` overrides.
use mart_router::RouterConfig;

#[test]
fn yaml_file_and_environment_overrides() {
    let dir = std::env::temp_dir().join(format!("mart-router-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("router.yaml");
    std::fs::write(
        &file,
        "listen: 127.0.0.1:4100\nsubgraph_urls:\n  products: http://products:4001/graphql\nlimits:\n  max_depth: 7\n",
    )
    .unwrap();
    let mut config = RouterConfig::load(Some(&file)).unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:4100");
    assert_eq!(config.limits.max_depth, 7);
    assert_eq!(
        config.limits.max_aliases, 256,
        "unset fields keep their defaults"
    );
    config
        .apply_env([
            ("MART_ROUTER_LISTEN".to_string(), "0.0.0.0:4000".to_string()),
            (
                "MART_ROUTER_SUBGRAPH_URL_INVENTORY".to_string(),
                "http://inventory:4002/graphql".to_string(),
            ),
            ("MART_ROUTER_INTROSPECTION".to_string(), "false".to_string()),
            ("UNRELATED".to_string(), "x".to_string()),
        ])
        .unwrap();
    assert_eq!(config.listen.to_string(), "0.0.0.0:4000");
    assert!(!config.introspection);
    assert_eq!(
        config.subgraph_urls.get("inventory").map(String::as_str),
        Some("http://inventory:4002/graphql")
    );
    assert_eq!(
        config.subgraph_urls.get("products").map(String::as_str),
        Some("http://products:4001/graphql")
    );
    let bad = config.apply_env([("MART_ROUTER_LISTEN".to_string(), "nope".to_string())]);
    assert!(bad.is_err());
}

#[test]
fn subscription_settings_have_defaults_yaml_and_environment() {
    let defaults = RouterConfig::default().subscriptions;
    assert!(defaults.enabled);
    assert_eq!(defaults.keepalive_interval_ms, 10_000);
    assert_eq!(defaults.connection_init_timeout_ms, 10_000);
    assert_eq!(defaults.max_subscriptions_per_connection, 100);
    assert_eq!(defaults.client_queue_capacity, 256);

    let dir = std::env::temp_dir().join(format!("mart-router-config-subs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("router.yaml");
    std::fs::write(&file, "subscriptions:\n  keepalive_interval_ms: 2000\n").unwrap();
    let mut config = RouterConfig::load(Some(&file)).unwrap();
    assert_eq!(config.subscriptions.keepalive_interval_ms, 2000);
    assert_eq!(config.subscriptions.client_queue_capacity, 256);
    let env = |name: &str, value: &str| (name.to_string(), value.to_string());
    config
        .apply_env([
            env("MART_ROUTER_SUBSCRIPTIONS", "off"),
            env("MART_ROUTER_SUBSCRIPTION_KEEPALIVE_MS", "750"),
            env("MART_ROUTER_SUBSCRIPTION_INIT_TIMEOUT_MS", "3000"),
            env("MART_ROUTER_SUBSCRIPTION_MAX_PER_CONNECTION", "5"),
            env("MART_ROUTER_SUBSCRIPTION_QUEUE_CAPACITY", "16"),
        ])
        .unwrap();
    let subscriptions = &config.subscriptions;
    assert!(!subscriptions.enabled);
    assert_eq!(subscriptions.keepalive_interval_ms, 750);
    assert_eq!(subscriptions.connection_init_timeout_ms, 3000);
    assert_eq!(subscriptions.max_subscriptions_per_connection, 5);
    assert_eq!(subscriptions.client_queue_capacity, 16);
    let bad = config.apply_env([env("MART_ROUTER_SUBSCRIPTION_QUEUE_CAPACITY", "many")]);
    assert!(bad.is_err());
}

#[test]
fn unknown_yaml_fields_are_rejected() {
    let dir = std::env::temp_dir().join(format!("mart-router-config-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("router.yaml");
    std::fs::write(&file, "listne: 127.0.0.1:4100\n").unwrap();
    let error = RouterConfig::load(Some(&file)).unwrap_err().to_string();
    assert!(error.contains("listne"), "{error}");
}

#[test]
fn every_listed_variable_is_read_and_a_misspelt_one_is_refused() {
    let mut config = RouterConfig::default();
    for var in mart_router::ENV_VARS {
        let (name, value) = match var.name.strip_suffix("<NAME>") {
            Some(prefix) => (
                format!("{prefix}PRODUCTS"),
                "http://products:4001/graphql".to_string(),
            ),
            None => (var.name.to_string(), var.default.to_string()),
        };
        config
            .apply_env([(name.clone(), value.clone())])
            .unwrap_or_else(|e| panic!("{name}={value:?} (its documented default): {e}"));
    }
    let defaults = RouterConfig::default();
    assert_eq!(config.listen, defaults.listen);
    assert_eq!(config.plan_cache_size, defaults.plan_cache_size);
    assert_eq!(config.subscriptions.client_queue_capacity, 256);

    let typo = config.apply_env([("MART_ROUTER_LISTN".to_string(), "0.0.0.0:1".to_string())]);
    let message = typo.expect_err("a misspelt name is refused").to_string();
    assert!(message.contains("MART_ROUTER_LISTN"), "{message}");
    assert_eq!(config.listen, defaults.listen, "nothing applied from it");
    assert!(
        config
            .apply_env([("MART_ROUTER_SUBGRAPH_URL_".to_string(), "x".to_string())])
            .is_err(),
        "a subgraph URL needs a subgraph name"
    );
}
