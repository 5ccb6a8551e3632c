//! What an operator sees on `/metrics` after customers used the shop through the router,
//! and that the shipped dashboard and alert rules read only series Mart exports.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::support::{PLACE_ORDER, Shop, order_input};

/// The value of the series written exactly as `series` (name and labels) in `text`.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn scrape(url: &str) -> String {
    reqwest::get(url).await.unwrap().text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_service_reports_requests_pool_use_pipeline_and_saga_outcomes() {
    let shop = Shop::start("metrics").await;
    let router = shop.router().await;
    let mug = shop.product(1299, 400, 10).await;
    let ada = shop.customer();
    let client = reqwest::Client::new();
    let mut orders = Vec::new();
    for (token, key) in [("tok_ok", "m-ok"), ("tok_declined", "m-declined")] {
        // The first names its operation in the request, the second only in the document:
        // both count as PlaceOrder.
        let mut request = json!({
            "query": PLACE_ORDER.replacen("mutation(", "mutation PlaceOrder(", 1),
            "variables": { "input": order_input(&[(mug, 1)], token, key) },
        });
        if orders.is_empty() {
            request["operationName"] = json!("PlaceOrder");
        }
        let body: Value = client
            .post(router.graphql_url())
            .bearer_auth(&ada.token)
            .json(&request)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = body["data"]["placeOrder"]["id"].as_str().expect("placed");
        orders.push(id.parse().unwrap());
    }
    shop.wait_for_status(&ada, orders[0], "CONFIRMED").await;
    shop.wait_for_status(&ada, orders[1], "CANCELLED").await;

    let router_metrics = scrape(&format!("http://{}/metrics", router.addr)).await;
    assert_eq!(
        value(
            &router_metrics,
            r#"mart_http_requests_total{service="router",route="/graphql",operation="PlaceOrder",status="200"}"#
        ),
        Some(2.0),
        "{router_metrics}"
    );
    assert!(
        router_metrics.contains(r#"mart_router_subgraph_requests_total{subgraph="orders"}"#),
        "{router_metrics}"
    );

    // The orders service heard the router's unnamed fetch as its first field.
    let orders_url = shop
        .metrics_urls()
        .into_iter()
        .find(|(s, _)| s.as_str() == "orders")
        .unwrap()
        .1;
    let orders_metrics = scrape(&orders_url).await;
    assert_eq!(
        value(
            &orders_metrics,
            r#"mart_http_requests_total{service="orders",route="/graphql",operation="placeOrder",status="200"}"#
        ),
        Some(2.0),
        "{orders_metrics}"
    );
    assert_eq!(
        value(
            &orders_metrics,
            r#"mart_saga_outcomes_total{outcome="confirmed",reason=""}"#
        ),
        Some(1.0),
        "{orders_metrics}"
    );
    assert_eq!(
        value(
            &orders_metrics,
            r#"mart_saga_outcomes_total{outcome="cancelled",reason="payment_declined"}"#
        ),
        Some(1.0),
        "{orders_metrics}"
    );
    let published = value(
        &orders_metrics,
        r#"mart_outbox_published_total{service="orders"}"#,
    );
    assert!(published.is_some_and(|n| n >= 4.0), "{orders_metrics}");

    // Every service: its pool, its waits for a connection, and its consumers' messages.
    let deadline = Instant::now() + Duration::from_secs(20);
    for (service, url) in shop.metrics_urls() {
        let name = service.as_str();
        let text = scrape(&url).await;
        let max = value(
            &text,
            &format!(r#"mart_db_pool_connections_max{{service="{name}"}}"#),
        );
        assert!(max.is_some_and(|n| n >= 1.0), "{name}: {text}");
        if ["orders", "products"].contains(&name) {
            // Both served the placements (orders asks products for prices), and each
            // request waited for a connection, if only for microseconds.
            let waits = value(
                &text,
                &format!(r#"mart_db_pool_wait_seconds_count{{service="{name}"}}"#),
            );
            assert!(waits.is_some_and(|n| n >= 1.0), "{name}: {text}");
            assert!(
                text.contains("# TYPE mart_http_request_duration_seconds histogram"),
                "{name}"
            );
        }
        if name == "payments" {
            // Payments consumed the two orders' events: poll, its round may still be closing.
            loop {
                let text = scrape(&url).await;
                let settled: f64 = text
                    .lines()
                    .filter(|l| l.starts_with("mart_consumer_messages_total{"))
                    .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                    .sum();
                if settled >= 2.0 {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "payments consumed nothing: {text}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }

    // The shipped dashboard and alert rules read only series these processes export.
    let mut exported = router_metrics.clone();
    for (_, url) in shop.metrics_urls() {
        exported.push_str(&scrape(&url).await);
    }
    let exported: BTreeSet<&str> = exported
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split(['{', ' ']).next().unwrap())
        .collect();
    for (file, used) in [
        ("deploy/grafana/dashboards/mart.json", dashboard_series()),
        ("deploy/prometheus/alerts.yml", alert_series()),
    ] {
        assert!(used.len() >= 10, "{file} reads {used:?}");
        let missing: Vec<&String> = used
            .iter()
            .filter(|name| !exported.contains(name.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "{file} reads series no process exports: {missing:?}"
        );
    }
    let _ = router.stop().await;
    shop.stop().await;
}

/// Every `mart_…` series named in `expr`, which must be a query Prometheus accepts.
fn series_in(expr: &str) -> impl Iterator<Item = String> + '_ {
    if let Err(e) = promql_parser::parser::parse(expr) {
        panic!("not a PromQL query: {expr}\n{e}");
    }
    expr.match_indices("mart_").map(move |(at, _)| {
        expr[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    })
}

fn repo_file(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn dashboard_series() -> BTreeSet<String> {
    let dashboard: Value =
        serde_json::from_str(&repo_file("deploy/grafana/dashboards/mart.json")).unwrap();
    let mut names = BTreeSet::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().into_iter().flatten() {
            names.extend(series_in(target["expr"].as_str().unwrap()));
        }
    }
    names
}

fn alert_series() -> BTreeSet<String> {
    let rules: serde_yaml::Value =
        serde_yaml::from_str(&repo_file("deploy/prometheus/alerts.yml")).unwrap();
    let mut names = BTreeSet::new();
    for group in rules["groups"].as_sequence().unwrap() {
        for rule in group["rules"].as_sequence().unwrap() {
            let expr = rule["expr"].as_str().unwrap();
            assert!(
                rule["alert"].as_str().is_some(),
                "a rule without a name: {expr}"
            );
            names.extend(series_in(expr));
        }
    }
    names
}

/// Prometheus in docker-compose scrapes every Mart process compose runs, on its port.
#[test]
fn compose_prometheus_scrapes_every_mart_container() {
    let config: serde_yaml::Value =
        serde_yaml::from_str(&repo_file("deploy/prometheus/prometheus.yml")).unwrap();
    let targets: BTreeSet<String> = config["scrape_configs"][0]["static_configs"][0]["targets"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    let compose = crate::docker_compose::compose();
    let mut expected = BTreeSet::new();
    for container in crate::docker_compose::containers(&compose) {
        let Some(service) = container.serves() else {
            continue;
        };
        let port = if service == "router" {
            4000
        } else {
            service
                .parse::<mart_service::ServiceName>()
                .unwrap_or_else(|_| panic!("compose serves unknown {service}"))
                .default_port()
        };
        expected.insert(format!("{}:{port}", container.name));
    }
    assert_eq!(targets, expected);
    let services = &compose["services"];
    for mount in [
        "./deploy/prometheus/alerts.yml",
        "./deploy/grafana/dashboards",
    ] {
        let mounted = ["prometheus", "grafana"].iter().any(|s| {
            services[*s]["volumes"]
                .as_sequence()
                .into_iter()
                .flatten()
                .any(|v| v.as_str().is_some_and(|v| v.starts_with(mount)))
        });
        assert!(mounted, "docker-compose mounts {mount}");
    }
}
