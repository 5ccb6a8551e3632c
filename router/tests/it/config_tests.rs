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
fn unknown_yaml_fields_are_rejected() {
    let dir = std::env::temp_dir().join(format!("mart-router-config-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("router.yaml");
    std::fs::write(&file, "listne: 127.0.0.1:4100\n").unwrap();
    let error = RouterConfig::load(Some(&file)).unwrap_err().to_string();
    assert!(error.contains("listne"), "{error}");
}
