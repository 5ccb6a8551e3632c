//! The HTTP front: GraphQL over HTTP rules, request errors, introspection, probes, metrics,
//! the playground, hot reload and the plan cache.
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::{client, query, test_config, write_supergraph};
use crate::shop;

async fn post_raw(url: &str, body: Value, accept: Option<&str>) -> (u16, String, Value) {
    let mut request = client().post(url).json(&body);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let response = request.send().await.expect("router answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, content_type, body)
}

#[tokio::test]
async fn get_runs_queries_and_refuses_mutations_with_405() {
    let shop = shop::start(false).await;
    let url = shop.router.graphql_url();
    let response = client()
        .get(&url)
        .header("apollo-require-preflight", "true")
        .query(&[
            ("query", "query One($id: ID!) { product(id: $id) { name } }"),
            ("variables", r#"{"id":"p2"}"#),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"data": {"product": {"name": "Lamp"}}})
    );
    let response = client()
        .get(&url)
        .header("apollo-require-preflight", "true")
        .query(&[("query", "mutation { noSuchField }")])
        .send()
        .await
        .unwrap();
    // Validation runs first: the shop has no Mutation type at all.
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
}

/// A GET a page on another site could make a browser send (no header a browser would have
/// preflighted) is refused with no data; with such a header, or with the prevention
/// turned off, the same request runs.
#[tokio::test]
async fn gets_a_browser_sends_unasked_are_refused_as_cross_site_forgery() {
    let shop = shop::start(false).await;
    let product = [("query", "{ product(id: \"p2\") { name } }")];
    let get = |url: String, header: Option<(&'static str, &'static str)>| {
        let mut request = client().get(url).query(&product);
        if let Some((name, value)) = header {
            request = request.header(name, value);
        }
        async move {
            let response = request.send().await.expect("router answers");
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let url = shop.router.graphql_url();
    for unasked in [
        None,
        Some(("content-type", "text/plain")),
        Some(("accept", "application/graphql-response+json")),
    ] {
        let (status, body) = get(url.clone(), unasked).await;
        assert_eq!(status, 400, "{unasked:?}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "CSRF_PREVENTION",
            "{unasked:?}: {body}"
        );
        assert!(body.get("data").is_none(), "{body}");
    }
    let expected = json!({"data": {"product": {"name": "Lamp"}}});
    for preflighted in [
        ("content-type", "application/json"),
        ("apollo-require-preflight", "true"),
        ("x-apollo-operation-name", "Product"),
        ("x-mart-preflight", "1"),
    ] {
        let (status, body) = get(url.clone(), Some(preflighted)).await;
        assert_eq!((status, &body), (200, &expected), "{preflighted:?}");
    }

    let mut config = test_config(write_supergraph(&shop.supergraph));
    config.csrf.enabled = false;
    let open = mart_router::start(config).await.expect("router starts");
    let (status, body) = get(open.graphql_url(), None).await;
    assert_eq!((status, &body), (200, &expected));
}

#[tokio::test]
async fn parse_and_validation_errors_carry_stable_codes() {
    let shop = shop::start(false).await;
    let url = shop.router.graphql_url();
    let (status, content_type, body) =
        post_raw(&url, json!({"query": "{ products { id "}), None).await;
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_PARSE_FAILED"
    );
    assert!(body.get("data").is_none(), "{body}");

    let (status, content_type, body) = post_raw(
        &url,
        json!({"query": "{ products { id nope } }"}),
        Some("application/graphql-response+json"),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        content_type.starts_with("application/graphql-response+json"),
        "{content_type}"
    );
    assert_eq!(
        body,
        json!({"errors": [{
            "message": "Cannot query field \"nope\" on type \"Product\".",
            "locations": [{"line": 1, "column": 17}],
            "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}
        }]})
    );

    let (status, _, body) = post_raw(
        &url,
        json!({"query": "query($id: ID!) { product(id: $id) { id } }", "variables": {}}),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    // An unknown operation name is named in the error, but a long one only by its start:
    // the answer does not grow with what the client sent.
    let (status, _, body) = post_raw(
        &url,
        json!({"query": "query Known { products { id } }", "operationName": "Missing"}),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["errors"][0]["message"],
        "Unknown operation named \"Missing\"."
    );
    let long = "x".repeat(200_000);
    let (status, _, body) = post_raw(
        &url,
        json!({"query": "query Known { products { id } }", "operationName": long}),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.len() < 200, "{message}");
    assert!(
        message.starts_with("Unknown operation named \"xxxx"),
        "{message}"
    );

    let response = client()
        .post(&url)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
}

#[tokio::test]
async fn extensions_that_are_not_an_object_and_batches_are_refused_with_400() {
    let shop = shop::start(false).await;
    let url = shop.router.graphql_url();
    for extensions in [json!("x"), json!(1), json!(true), json!([])] {
        let (status, _, body) = post_raw(
            &url,
            json!({"query": "{ __typename }", "extensions": extensions}),
            None,
        )
        .await;
        assert_eq!(status, 400, "extensions {extensions}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    }
    let (status, _, body) = post_raw(
        &url,
        json!({"query": "{ __typename }", "extensions": {"any": 1}}),
        None,
    )
    .await;
    assert_eq!(
        (status, &body),
        (200, &json!({"data": {"__typename": "Query"}}))
    );

    let response = client()
        .get(&url)
        .header("apollo-require-preflight", "true")
        .query(&[("query", "{ __typename }"), ("extensions", "[1]")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);

    let (status, _, body) = post_raw(&url, json!([{"query": "{ __typename }"}]), None).await;
    assert_eq!(status, 400);
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("Batched requests"), "{message}");
}

#[tokio::test]
async fn operation_limits_reject_deep_and_wide_operations() {
    let shop = shop::start(false).await;
    let aliases: String = (0..300).map(|i| format!("a{i}: __typename ")).collect();
    let body = query(&shop.router, &format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "OPERATION_LIMIT_EXCEEDED",
        "{body}"
    );
    // Valid, small and cheap to parse, but validating it would compare 1.6 million pairs of
    // fields: refused before validation runs.
    let repeated = "name ".repeat(1_800);
    let body = query(
        &shop.router,
        &format!("{{ topProducts {{ {repeated} }} }}"),
        json!({}),
    )
    .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "OPERATION_LIMIT_EXCEEDED",
        "{body}"
    );
    assert!(body.get("data").is_none(), "{body}");
    // Aliases inside a fragment spread three times count three times.
    let aliases: String = (0..100).map(|i| format!("a{i}: name ")).collect();
    let spread = format!(
        "{{ a: topProducts {{ ...F }} b: topProducts {{ ...F }} c: topProducts {{ ...F }} }} \
         fragment F on Product {{ {aliases} }}"
    );
    let body = query(&shop.router, &spread, json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "OPERATION_LIMIT_EXCEEDED",
        "{body}"
    );
}

#[tokio::test]
async fn introspection_is_answered_from_the_api_schema() {
    let shop = shop::start(false).await;
    let body = query(
        &shop.router,
        r#"{ __schema { queryType { name } mutationType { name } }
             product: __type(name: "Product") { kind fields { name type { kind ofType { name } } } }
             join: __type(name: "join__Graph") { name }
             __typename }"#,
        json!({}),
    )
    .await;
    let fields = body["data"]["product"]["fields"]
        .as_array()
        .expect("fields");
    let names: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "id",
            "price",
            "weight",
            "dimensions",
            "inStock",
            "shippingEstimate",
            "insuranceCost",
            "stockNote",
            "restockEta",
            "warehouse",
            "name",
            "reviews"
        ]
    );
    assert_eq!(
        fields[0],
        json!({"name": "id", "type": {"kind": "NON_NULL", "ofType": {"name": "ID"}}})
    );
    assert_eq!(
        body["data"]["__schema"],
        json!({"queryType": {"name": "Query"}, "mutationType": {"name": "Mutation"}})
    );
    assert_eq!(
        body["data"]["join"],
        Value::Null,
        "join machinery is not in the API schema"
    );
    assert_eq!(body["data"]["__typename"], "Query");
    assert!(body.get("errors").is_none(), "{body}");
}

#[tokio::test]
async fn probes_metrics_and_playground() {
    let shop = shop::start(false).await;
    let base = format!("http://{}", shop.router.addr);
    let health = client().get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = client().get(format!("{base}/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 200);

    query(&shop.router, "{ products { id } }", json!({})).await;
    query(&shop.router, "{ products { id } }", json!({})).await;
    let metrics = crate::harness::metrics(&shop.router).await;
    assert!(
        metrics.contains("mart_router_requests_total 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("mart_router_plan_cache_misses_total 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("mart_router_plan_cache_hits_total 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("mart_router_subgraph_requests_total{subgraph=\"products\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("mart_router_request_duration_seconds_count 2"),
        "{metrics}"
    );

    let page = client().get(format!("{base}/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    let expected = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../web-playground/dist/index.html"
    ))
    .unwrap();
    assert_eq!(html, expected);
    let browser = client()
        .get(format!("{base}/graphql"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(browser.text().await.unwrap(), expected);
}

#[tokio::test]
async fn posts_that_are_not_json_are_refused_even_without_a_content_type() {
    let shop = shop::start(false).await;
    let body = r#"{"query":"{ products { id inStock } }"}"#;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut request = client().post(shop.router.graphql_url()).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 415, "{content_type:?}");
    }
    let executed = shop
        .counters
        .inventory_requests
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(executed, 0, "nothing was executed");
}

#[tokio::test]
async fn bodies_past_the_limit_get_a_graphql_error_with_a_code() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let shop = shop::start(false).await;
    // Only the head, declaring 10 MB: the router answers before reading a body, and a client
    // still uploading one could see a broken pipe instead of the answer.
    let mut stream = tokio::net::TcpStream::connect(shop.router.addr)
        .await
        .unwrap();
    let head = "POST /graphql HTTP/1.1\r\nHost: router\r\nContent-Type: application/json\r\n\
                Content-Length: 10000000\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    // Read the head, then as much body as it declares (the connection may stay open).
    let mut answer = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    let (head, body) = loop {
        let text = String::from_utf8_lossy(&answer).to_string();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let declared = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_string())
                })
                .and_then(|v| v.parse::<usize>().ok());
            if declared.is_some_and(|n| body.len() >= n) {
                break (head.to_string(), body.to_string());
            }
        }
        assert!(Instant::now() < deadline, "no whole answer in time: {text}");
        let mut chunk = [0u8; 4096];
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .expect("the router answers")
            .unwrap();
        assert!(read > 0, "the router closed before a whole answer: {text}");
        answer.extend_from_slice(&chunk[..read]);
    };
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    let body: Value = serde_json::from_str(&body).expect("a JSON body");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE",
        "{body}"
    );
    let executed = shop
        .counters
        .inventory_requests
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(executed, 0, "nothing was executed");
}

#[tokio::test]
async fn operations_estimated_too_expensive_are_refused_before_any_subgraph_is_called() {
    let shop = shop::start(false).await;
    let operation =
        "query Top($n: Int) { topProducts(first: $n) { inStock reviews { author { id } } } }";
    // 10,000 products, each with ~10 reviews and their authors: an estimated cost of 210,000.
    let body = query(&shop.router, operation, json!({"n": 10_000})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "COST_ESTIMATED_TOO_EXPENSIVE",
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["cost"]["estimated"],
        210_000
    );
    assert!(body.get("data").is_none(), "{body}");
    let inventory = || {
        shop.counters
            .inventory_requests
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    assert_eq!(inventory(), 0, "no subgraph was called");
    // The same operation asking for 5 runs.
    let body = query(&shop.router, operation, json!({"n": 5})).await;
    assert!(body["data"]["topProducts"].is_array(), "{body}");
    assert!(inventory() > 0);
}

#[tokio::test]
async fn slow_clients_are_cut_off_rather_than_held_open() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let shop = shop::start(false).await;
    let mut config = test_config(write_supergraph(&shop.supergraph));
    config.header_read_timeout_ms = 300;
    config.request_timeout_ms = 500;
    let router = mart_router::start(config).await.unwrap();
    let deadline = Duration::from_secs(10);

    // Headers that never end (slowloris): the router closes the connection.
    let mut socket = tokio::net::TcpStream::connect(router.addr).await.unwrap();
    socket
        .write_all(b"POST /graphql HTTP/1.1\r\nHost: router\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(deadline, socket.read_to_end(&mut answer)).await;
    assert!(closed.is_ok(), "a connection without headers stays open");

    // A body that never arrives in full: 408 REQUEST_TIMEOUT, and the connection closes.
    let mut socket = tokio::net::TcpStream::connect(router.addr).await.unwrap();
    socket
        .write_all(
            b"POST /graphql HTTP/1.1\r\nHost: router\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"query\":",
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(deadline, socket.read_to_end(&mut answer)).await;
    assert!(
        closed.is_ok(),
        "a request whose body trickles is not cut off"
    );
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("REQUEST_TIMEOUT"), "{answer}");
}

/// Sends `GET /health` on `socket` and reads the whole answer (headers and its
/// Content-Length of body); `None` if the router closed the connection instead.
async fn health_on(socket: &mut tokio::net::TcpStream) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    socket
        .write_all(b"GET /health HTTP/1.1\r\nHost: router\r\n\r\n")
        .await
        .ok()?;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let text = String::from_utf8_lossy(&answer).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .expect("a sized answer");
            if answer.len() >= end + 4 + length {
                return Some(text);
            }
        }
        let n = tokio::time::timeout(Duration::from_secs(10), socket.read(&mut chunk))
            .await
            .expect("the router answers or closes")
            .ok()?;
        if n == 0 {
            return None;
        }
        answer.extend_from_slice(&chunk[..n]);
    }
}

#[tokio::test]
async fn keep_alive_connections_stay_open_past_the_header_timeout_until_idle_too_long() {
    use tokio::io::AsyncReadExt;
    let shop = shop::start(false).await;
    let mut config = test_config(write_supergraph(&shop.supergraph));
    config.header_read_timeout_ms = 200;
    config.idle_timeout_ms = 1_500;
    let router = mart_router::start(config).await.unwrap();

    let mut socket = tokio::net::TcpStream::connect(router.addr).await.unwrap();
    let first = health_on(&mut socket)
        .await
        .expect("the first request is answered");
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    // Idle for three header timeouts, as a pooled connection is between requests: the
    // connection is still there for the next one.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let second = health_on(&mut socket)
        .await
        .expect("an idle keep-alive connection was closed at the header timeout");
    assert!(second.starts_with("HTTP/1.1 200"), "{second}");

    // Left idle, it is closed once the idle timeout has passed, not before.
    let idle_from = Instant::now();
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut rest))
        .await
        .expect("an idle connection is closed in the end")
        .unwrap();
    let idle_for = idle_from.elapsed();
    assert!(rest.is_empty(), "nothing more was sent: {rest:?}");
    assert!(
        idle_for >= Duration::from_millis(1_400),
        "closed after {idle_for:?}, before the idle timeout"
    );

    // Headers that start on a used connection and never end get the header timeout, not
    // the idle one.
    let mut slow = tokio::net::TcpStream::connect(router.addr).await.unwrap();
    health_on(&mut slow).await.expect("answered");
    tokio::io::AsyncWriteExt::write_all(&mut slow, b"GET /health HTTP/1.1\r\nHost: ro")
        .await
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut rest))
        .await
        .expect("a connection whose headers stall is closed")
        .ok();
    assert!(
        started.elapsed() < Duration::from_millis(1_200),
        "stalled headers were given {:?}, the idle timeout",
        started.elapsed()
    );
}

#[tokio::test]
async fn production_defaults_hide_the_schema_and_the_playground() {
    let shop = shop::start(false).await;
    let mut config = mart_router::RouterConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        supergraph_path: write_supergraph(&shop.supergraph),
        hot_reload: false,
        ..Default::default()
    };
    config.subgraph_timeout_ms = 5_000;
    let router = mart_router::start(config).await.unwrap();
    let body = query(&router, "{ __schema { queryType { name } } }", json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "INTROSPECTION_DISABLED",
        "{body}"
    );
    let base = format!("http://{}", router.addr);
    let page = client().get(format!("{base}/")).send().await.unwrap();
    assert_eq!(page.status(), 404);
    let browser = client()
        .get(format!("{base}/graphql"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    let text = browser.text().await.unwrap();
    assert!(!text.contains("Mart playground"), "{text}");
    // Queries still run.
    let body = query(&router, "{ products { id } }", json!({})).await;
    assert!(body["data"]["products"].is_array(), "{body}");
}

#[tokio::test]
async fn a_subgraph_outage_shows_in_health_and_metrics_but_the_router_stays_ready() {
    // The shop's inventory subgraph is down.
    let shop = shop::start(true).await;
    let base = format!("http://{}", shop.router.addr);
    let ready = client().get(format!("{base}/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 200, "a load balancer keeps the router");
    assert_eq!(
        ready.json::<Value>().await.unwrap(),
        json!({"status": "ready"})
    );
    // The first probe runs at start; poll until it has reported.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let health = loop {
        let health = client().get(format!("{base}/health")).send().await.unwrap();
        assert_eq!(health.status(), 200, "a liveness probe keeps the router");
        let health: Value = health.json().await.unwrap();
        if health["subgraphs"]
            .as_object()
            .is_some_and(|s| !s.is_empty())
        {
            break health;
        }
        assert!(std::time::Instant::now() < deadline, "no probe: {health}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(health["status"], "warn", "{health}");
    assert_eq!(health["subgraphs"]["inventory"], "unreachable", "{health}");
    assert_eq!(health["subgraphs"]["products"], "reachable", "{health}");
    let metrics = crate::harness::metrics(&shop.router).await;
    assert!(
        metrics.contains("mart_router_subgraph_reachable{subgraph=\"inventory\"} 0"),
        "{metrics}"
    );
    assert!(
        metrics.contains("mart_router_subgraph_reachable{subgraph=\"products\"} 1"),
        "{metrics}"
    );
    // What does not need inventory is still answered.
    let body = query(&shop.router, "{ products { id } }", json!({})).await;
    assert!(body["data"]["products"].is_array(), "{body}");
}

#[tokio::test]
async fn hot_reload_swaps_valid_supergraphs_and_keeps_serving_on_broken_ones() {
    let shop = shop::start(false).await;
    // A second router over a copy of the same supergraph file, with hot reload on.
    let introspect = "{ __type(name: \"Query\") { fields { name } } }";
    let supergraph = shop.supergraph.clone();
    let path = write_supergraph(&supergraph);
    let mut config = test_config(path.clone());
    config.hot_reload = true;
    config.hot_reload_interval_ms = 20;
    let router = mart_router::start(config).await.unwrap();
    let field_count = |body: Value| body["data"]["__type"]["fields"].as_array().map(Vec::len);
    let before = field_count(query(&router, introspect, json!({})).await);
    assert_eq!(before, Some(5));

    std::fs::write(&path, "this is not a supergraph").unwrap();
    let bad_deadline = Instant::now() + Duration::from_millis(500);
    while Instant::now() < bad_deadline {
        assert_eq!(
            field_count(query(&router, introspect, json!({})).await),
            Some(5)
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    let trimmed: String = supergraph
        .lines()
        .filter(|line| !line.contains("productMatrix"))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_ne!(trimmed, supergraph, "fixture line to remove exists");
    std::fs::write(&path, trimmed).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if field_count(query(&router, introspect, json!({})).await) == Some(4) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "new supergraph was not picked up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    router.stop().await.unwrap();
}
