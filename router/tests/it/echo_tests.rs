//! Header propagation, W3C trace context, CORS and in-flight deduplication.
use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use crate::echo;
use crate::harness::client;

const HEADERS_QUERY: &str = r#"{ auth: header(name: "authorization") cookie: header(name: "cookie")
  fixed: header(name: "x-from-router") trace: header(name: "traceparent") }"#;

#[tokio::test]
async fn configured_headers_are_forwarded_and_others_are_not() {
    let world = echo::start(|config| {
        config.headers.propagate = vec!["Authorization".to_string()];
        config
            .headers
            .insert
            .insert("x-from-router".to_string(), "1".to_string());
    })
    .await;
    let incoming_trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let body: Value = client()
        .post(world.router.graphql_url())
        .header("authorization", "Bearer abc")
        .header("cookie", "session=secret")
        .header("traceparent", incoming_trace)
        .json(&json!({"query": HEADERS_QUERY}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let data = &body["data"];
    assert_eq!(data["auth"], "Bearer abc");
    assert_eq!(data["cookie"], Value::Null);
    assert_eq!(data["fixed"], "1");
    let trace = data["trace"]
        .as_str()
        .expect("traceparent reached the subgraph");
    let parts: Vec<&str> = trace.split('-').collect();
    assert_eq!(parts.len(), 4, "{trace}");
    assert_eq!(parts[0], "00");
    assert_eq!(parts[1], "4bf92f3577b34da6a3ce929d0e0e4736", "same trace");
    assert_ne!(parts[2], "00f067aa0ba902b7", "a new parent span");
    assert_eq!(parts[2].len(), 16);
    assert_eq!(parts[3], "01");
}

#[tokio::test]
async fn identical_concurrent_queries_share_one_subgraph_request() {
    let world = echo::start(|_| {}).await;
    let send = || {
        client()
            .post(world.router.graphql_url())
            .json(&json!({"query": "{ slow(tag: \"a\") }"}))
            .send()
    };
    let (a, b, c) = tokio::join!(send(), send(), send());
    for response in [a, b, c] {
        let body: Value = response.unwrap().json().await.unwrap();
        assert_eq!(body, json!({"data": {"slow": "a"}}));
    }
    assert_eq!(world.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn deduplication_can_be_turned_off() {
    let world = echo::start(|config| {
        config.deduplicate_subgraph_requests = false;
        config.deduplicate_requests = false;
    })
    .await;
    let send = || {
        client()
            .post(world.router.graphql_url())
            .json(&json!({"query": "{ slow(tag: \"b\") }"}))
            .send()
    };
    let (a, b) = tokio::join!(send(), send());
    a.unwrap();
    b.unwrap();
    assert_eq!(world.requests.load(Ordering::SeqCst), 2);
}

/// `mart_router_requests_deduplicated_total` from the router's metrics.
async fn deduplicated_requests(world: &echo::Echo) -> u64 {
    crate::harness::metrics(&world.router)
        .await
        .lines()
        .find_map(|line| line.strip_prefix("mart_router_requests_deduplicated_total "))
        .expect("the counter is exported")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn identical_concurrent_queries_are_executed_once() {
    // Subgraph-level sharing off: only the router's request-level sharing can join them.
    let world = echo::start(|config| config.deduplicate_subgraph_requests = false).await;
    let send = |variables: Value| {
        client()
            .post(world.router.graphql_url())
            .json(
                &json!({"query": "query($t: String!) { ticket(tag: $t) }", "variables": variables}),
            )
            .send()
    };
    let (a, b, c, other) = tokio::join!(
        send(json!({"t": "a"})),
        send(json!({"t": "a"})),
        send(json!({"t": "a"})),
        send(json!({"t": "other"})),
    );
    let mut tickets = Vec::new();
    for response in [a, b, c] {
        let body: Value = response.unwrap().json().await.unwrap();
        tickets.push(body["data"]["ticket"].clone());
    }
    assert!(tickets.iter().all(|t| *t == tickets[0]), "{tickets:?}");
    let other: Value = other.unwrap().json().await.unwrap();
    assert_ne!(
        other["data"]["ticket"], tickets[0],
        "other variables ran apart"
    );
    assert_eq!(world.requests.load(Ordering::SeqCst), 2);
    assert_eq!(deduplicated_requests(&world).await, 2);
}

#[tokio::test]
async fn queries_of_different_callers_are_not_shared() {
    let world = echo::start(|config| {
        config.headers.propagate = vec!["Authorization".to_string()];
    })
    .await;
    let send = |token: &'static str| {
        client()
            .post(world.router.graphql_url())
            .header("authorization", token)
            .json(&json!({"query": "{ slowHeader(name: \"authorization\") }"}))
            .send()
    };
    let (alice, bob) = tokio::join!(send("Bearer alice"), send("Bearer bob"));
    let alice: Value = alice.unwrap().json().await.unwrap();
    let bob: Value = bob.unwrap().json().await.unwrap();
    assert_eq!(alice["data"]["slowHeader"], "Bearer alice");
    assert_eq!(bob["data"]["slowHeader"], "Bearer bob");
    assert_eq!(world.requests.load(Ordering::SeqCst), 2);
    assert_eq!(deduplicated_requests(&world).await, 0);
}

#[tokio::test]
async fn identical_concurrent_mutations_each_run() {
    let world = echo::start(|_| {}).await;
    let send = || {
        client()
            .post(world.router.graphql_url())
            .json(&json!({"query": "mutation { bump(tag: \"m\") }"}))
            .send()
    };
    let (a, b) = tokio::join!(send(), send());
    let a: Value = a.unwrap().json().await.unwrap();
    let b: Value = b.unwrap().json().await.unwrap();
    assert_ne!(a["data"]["bump"], b["data"]["bump"], "{a} {b}");
    assert_eq!(world.requests.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_client_that_gives_up_leaves_no_answer_behind() {
    let world = echo::start(|_| {}).await;
    let query = json!({"query": "{ ticket(tag: \"t\") }"});
    // Gives up while the subgraph is still answering: the router drops its request.
    let gave_up = client()
        .post(world.router.graphql_url())
        .timeout(std::time::Duration::from_millis(50))
        .json(&query)
        .send()
        .await;
    assert!(gave_up.is_err(), "the subgraph answers after 300 ms");
    let ticket = || async {
        let body = crate::harness::query(&world.router, "{ ticket(tag: \"t\") }", json!({})).await;
        body["data"]["ticket"].as_u64().expect("a ticket")
    };
    // The second may still share the first's execution; the third starts after the second
    // finished, so it must be answered afresh, never from an execution that ended.
    let second = ticket().await;
    let third = ticket().await;
    assert!(third > second, "{second} then {third}");
}

#[tokio::test]
async fn cors_preflight_allows_configured_origins_only() {
    let world = echo::start(|config| {
        config.cors.allow_origins = vec!["http://localhost:5173".to_string()];
    })
    .await;
    let preflight = |origin: &'static str| {
        client()
            .request(reqwest::Method::OPTIONS, world.router.graphql_url())
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight("http://localhost:5173").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "http://localhost:5173"
    );
    let denied = preflight("http://evil.example").await.unwrap();
    assert!(
        denied
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}
