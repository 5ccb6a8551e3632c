//! Subscriptions through the router: WebSocket (both subprotocols), SSE and multipart clients
//! against a real orders subgraph streaming over WebSocket, with entity fields of each event
//! fetched from a products subgraph.
use std::time::{Duration, Instant};

use mart_service::testkit::clients::{BodyReader, LEGACY_WS, Socket, TRANSPORT_WS};
use serde_json::{Value, json};

use crate::harness::{client, metrics};
use crate::live::{self, Update, eventually};

pub const WATCH: &str = "subscription Watch($id: ID!) { orderStatusChanged(orderId: $id) \
    { seq status order { id lines { quantity product { name } } } } }";

const WAIT: Duration = Duration::from_secs(10);

/// What WATCH answers for one event of order `o1`.
pub fn watched(seq: i32, status: &str) -> Value {
    json!({"orderStatusChanged": {
        "seq": seq,
        "status": status,
        "order": {"id": "o1", "lines": [
            {"quantity": 2, "product": {"name": "Desk"}},
            {"quantity": 1, "product": {"name": "Lamp"}},
        ]},
    }})
}

/// Polls `/metrics` until it shows `line`.
pub async fn metric_shows(router: &mart_router::RunningRouter, line: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let shown = metrics(router).await;
        if shown.lines().any(|l| l == line) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "/metrics never showed {line}:\n{shown}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn websocket_clients_get_every_event_once_in_order_with_entity_fields() {
    let live = live::start().await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        let mut socket = Socket::connect(&live.router.ws_url(), None).await;
        socket.subscribe("w", WATCH, json!({"id": "o1"})).await;
        clients.push(socket);
    }
    eventually("three subgraph streams", WAIT, || {
        live.subgraph_streams() == 3
    })
    .await;
    let shown = metrics(&live.router).await;
    assert!(
        shown.contains("mart_router_websocket_connections 3"),
        "{shown}"
    );
    assert!(
        shown.contains("mart_router_subscriptions_active{transport=\"websocket\"} 3"),
        "{shown}"
    );

    live.publish("o2", 1, "NOT_OURS");
    for seq in 1..=5 {
        live.publish("o1", seq, &format!("S{seq}"));
    }
    live.publish("o1", 6, "DONE");
    for socket in &mut clients {
        for seq in 1..=5 {
            assert_eq!(
                socket.next_data("w").await,
                watched(seq, &format!("S{seq}"))
            );
        }
        assert_eq!(socket.next_data("w").await, watched(6, "DONE"));
        // The subgraph completed its stream: so does the router.
        assert_eq!(socket.recv().await, json!({"type": "complete", "id": "w"}));
    }
    eventually("the subgraph streams to end", WAIT, || {
        live.subgraph_streams() == 0
    })
    .await;
    metric_shows(
        &live.router,
        "mart_router_subscriptions_active{transport=\"websocket\"} 0",
    )
    .await;
    metric_shows(&live.router, "mart_router_subscription_events_total 18").await;
}

#[tokio::test]
async fn the_legacy_graphql_ws_protocol_works_too() {
    let live = live::start().await;
    let mut socket = Socket::open(&live.router.ws_url(), LEGACY_WS, &[]).await;
    let ack = socket.init(None).await;
    assert_eq!(ack["type"], "connection_ack");
    socket.subscribe("1", WATCH, json!({"id": "o1"})).await;
    eventually("the subgraph stream", WAIT, || live.subgraph_streams() == 1).await;
    live.publish("o1", 1, "PLACED");
    live.publish("o1", 2, "PAID");
    assert_eq!(socket.next_data("1").await, watched(1, "PLACED"));
    assert_eq!(socket.next_data("1").await, watched(2, "PAID"));
    socket.complete("1").await;
    eventually("the subgraph stream to end", WAIT, || {
        live.subgraph_streams() == 0
    })
    .await;
    socket.send(json!({"type": "connection_terminate"})).await;
    assert_eq!(socket.closed().await.0, 1000);
}

#[tokio::test]
async fn sse_and_multipart_deliver_the_same_events_and_complete() {
    let live = live::start().await;
    let body = json!({"query": WATCH, "variables": {"id": "o1"}});
    let sse = client()
        .post(live.router.graphql_url())
        .header("accept", "text/event-stream")
        .json(&body)
        .send()
        .await
        .expect("the router answers");
    assert_eq!(sse.status(), 200);
    assert!(
        sse.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let multipart = client()
        .post(live.router.graphql_url())
        .header(
            "accept",
            "multipart/mixed;boundary=\"graphql\";subscriptionSpec=1.0,application/json",
        )
        .json(&body)
        .send()
        .await
        .expect("the router answers");
    assert_eq!(
        multipart.headers()["content-type"],
        "multipart/mixed;boundary=\"graphql\";subscriptionSpec=\"1.0\""
    );
    let (mut sse, mut multipart) = (BodyReader::new(sse), BodyReader::new(multipart));
    eventually("two subgraph streams", WAIT, || {
        live.subgraph_streams() == 2
    })
    .await;
    for seq in 1..=3 {
        live.publish("o1", seq, &format!("S{seq}"));
    }
    live.publish("o1", 4, "DONE");
    let expected: Vec<Value> = (1..=3)
        .map(|seq| watched(seq, &format!("S{seq}")))
        .chain([watched(4, "DONE")])
        .collect();
    for data in &expected {
        let (event, payload) = sse.sse_event().await.expect("an SSE event");
        assert_eq!(event, "next");
        assert_eq!(
            serde_json::from_str::<Value>(&payload).unwrap(),
            json!({"data": data})
        );
        let part = multipart.multipart_part().await.expect("a multipart part");
        assert_eq!(part, json!({"payload": {"data": data}}));
    }
    assert_eq!(
        sse.sse_event().await,
        Some(("complete".into(), String::new()))
    );
    assert_eq!(sse.sse_event().await, None, "the SSE response ends");
    assert_eq!(multipart.multipart_part().await, None, "closing boundary");
    eventually("the subgraph streams to end", WAIT, || {
        live.subgraph_streams() == 0
    })
    .await;
}

#[tokio::test]
async fn an_http_client_that_leaves_ends_the_subgraph_stream() {
    let live = live::start().await;
    let response = client()
        .post(live.router.graphql_url())
        .header("accept", "text/event-stream")
        .json(&json!({"query": WATCH, "variables": {"id": "o1"}}))
        .send()
        .await
        .expect("the router answers");
    eventually("the subgraph stream", WAIT, || live.subgraph_streams() == 1).await;
    drop(response);
    eventually("the subgraph stream to end", WAIT, || {
        live.subgraph_streams() == 0
    })
    .await;
}

#[tokio::test]
async fn a_subscription_over_plain_json_is_refused_with_a_stable_code() {
    let live = live::start().await;
    let response = client()
        .post(live.router.graphql_url())
        .json(&json!({"query": WATCH, "variables": {"id": "o1"}}))
        .send()
        .await
        .expect("the router answers");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "UNSUPPORTED_OPERATION"
    );
    assert!(body.get("data").is_none());
    // SSE validation errors arrive as an event, not as a 4xx an EventSource cannot read.
    let response = client()
        .get(live.router.graphql_url())
        .header("apollo-require-preflight", "true")
        .query(&[("query", "subscription { nope }")])
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("the router answers");
    assert_eq!(response.status(), 200);
    let mut sse = BodyReader::new(response);
    let (event, data) = sse.sse_event().await.unwrap();
    assert_eq!(event, "next");
    let data: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(
        data["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert_eq!(sse.sse_event().await.unwrap().0, "complete");
}

#[tokio::test]
async fn queries_and_request_errors_over_a_websocket() {
    let live = live::start().await;
    let mut socket = Socket::connect(&live.router.ws_url(), None).await;
    socket
        .subscribe(
            "q",
            "query { order(id: \"o9\") { id lines { product { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        socket.next_data("q").await,
        json!({"order": {"id": "o9", "lines": [
            {"product": {"name": "Desk"}},
            {"product": {"name": "Lamp"}},
        ]}})
    );
    assert_eq!(socket.recv().await, json!({"type": "complete", "id": "q"}));
    socket
        .subscribe("bad", "subscription { nope }", json!({}))
        .await;
    let error = socket.recv().await;
    assert_eq!(error["type"], "error", "{error:#}");
    assert_eq!(error["id"], "bad");
    assert_eq!(
        error["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
}

#[tokio::test]
async fn client_complete_ends_the_subgraph_stream_and_the_id_can_be_reused() {
    let live = live::start().await;
    let mut socket = Socket::connect(&live.router.ws_url(), None).await;
    socket.subscribe("w", WATCH, json!({"id": "o1"})).await;
    eventually("the subgraph stream", WAIT, || live.subgraph_streams() == 1).await;
    socket.complete("w").await;
    eventually("the subgraph to see the stream dropped", WAIT, || {
        live.subgraph_streams() == 0
    })
    .await;
    socket.subscribe("w", WATCH, json!({"id": "o1"})).await;
    eventually("a new subgraph stream", WAIT, || {
        live.subgraph_streams() == 1
    })
    .await;
    live.publish("o1", 1, "PLACED");
    assert_eq!(socket.next_data("w").await, watched(1, "PLACED"));
    drop(socket);
    eventually(
        "a client that leaves ends its subgraph stream",
        WAIT,
        || live.subgraph_streams() == 0,
    )
    .await;
}

#[tokio::test]
async fn a_killed_subgraph_ends_the_stream_with_an_error_within_seconds() {
    let mut live = live::start().await;
    let mut socket = Socket::connect(&live.router.ws_url(), None).await;
    socket.subscribe("w", WATCH, json!({"id": "o1"})).await;
    eventually("the subgraph stream", WAIT, || live.subgraph_streams() == 1).await;
    live.publish("o1", 1, "PLACED");
    assert_eq!(socket.next_data("w").await, watched(1, "PLACED"));

    let killed = Instant::now();
    live.orders.kill();
    let message = socket.recv().await;
    assert_eq!(message["type"], "next", "{message:#}");
    let error = &message["payload"]["errors"][0];
    assert_eq!(
        error["extensions"]["code"], "SUBSCRIPTION_UPSTREAM_CLOSED",
        "{message:#}"
    );
    assert_eq!(error["extensions"]["serviceName"], "orders");
    assert_eq!(socket.recv().await, json!({"type": "complete", "id": "w"}));
    assert!(
        killed.elapsed() < Duration::from_secs(5),
        "{:?}",
        killed.elapsed()
    );

    // With the subgraph gone, a new subscription fails at once, just as clearly.
    socket.subscribe("again", WATCH, json!({"id": "o1"})).await;
    let message = socket.recv().await;
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"], "SUBGRAPH_REQUEST_FAILED",
        "{message:#}"
    );
    assert_eq!(
        socket.recv().await,
        json!({"type": "complete", "id": "again"})
    );
    metric_shows(
        &live.router,
        "mart_router_subscription_upstream_failures_total 2",
    )
    .await;
}

#[tokio::test]
async fn protocol_violations_close_the_socket_with_the_protocols_codes() {
    let live = live::start_with(|config| {
        config.subscriptions.connection_init_timeout_ms = 300;
        config.subscriptions.max_subscriptions_per_connection = 1;
    })
    .await;
    let url = live.router.ws_url();

    let mut socket = Socket::open(&url, TRANSPORT_WS, &[]).await;
    socket.subscribe("1", WATCH, json!({"id": "o1"})).await;
    assert_eq!(
        socket.closed().await.0,
        4401,
        "subscribe before connection_init"
    );

    let mut socket = Socket::open(&url, TRANSPORT_WS, &[]).await;
    assert_eq!(
        socket.closed().await,
        (4408, "Connection initialisation timeout".into())
    );

    let mut socket = Socket::connect(&url, None).await;
    socket.send(json!({"type": "connection_init"})).await;
    assert_eq!(socket.closed().await.0, 4429, "a second connection_init");

    let mut socket = Socket::connect(&url, None).await;
    socket
        .send(json!({"type": "subscribe", "payload": {}}))
        .await;
    assert_eq!(socket.closed().await.0, 4400, "a subscribe without id");

    let mut socket = Socket::connect(&url, None).await;
    socket.subscribe("1", WATCH, json!({"id": "o1"})).await;
    socket.subscribe("2", WATCH, json!({"id": "o1"})).await;
    let refused = socket.recv().await;
    assert_eq!(refused["type"], "error", "{refused:#}");
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "TOO_MANY_SUBSCRIPTIONS"
    );
    socket.subscribe("1", WATCH, json!({"id": "o1"})).await;
    assert_eq!(socket.closed().await.0, 4409, "an id already running");
}

#[tokio::test]
async fn messages_larger_than_the_sockets_read_buffers_arrive_whole() {
    let live = live::start().await;
    let mut socket = Socket::connect(&live.router.ws_url(), None).await;
    // The router reads its sockets 4 KiB at a time: a 64 KiB subscribe (the operation padded
    // with a comment) and 256 KiB events from the subgraph must still arrive whole.
    let query = format!(
        "# {}\nsubscription($id: ID!) {{ orderStatusChanged(orderId: $id) {{ seq note }} }}",
        "x".repeat(64 * 1024)
    );
    socket.subscribe("big", &query, json!({"id": "o1"})).await;
    eventually("the subgraph stream", WAIT, || live.subgraph_streams() == 1).await;
    let note = "y".repeat(256 * 1024);
    live.publish_update(Update {
        order_id: "o1".into(),
        seq: 1,
        status: "BIG".into(),
        note: note.clone(),
    });
    live.publish("o1", 2, "SMALL");
    assert_eq!(
        socket.next_data("big").await,
        json!({"orderStatusChanged": {"seq": 1, "note": note}})
    );
    assert_eq!(
        socket.next_data("big").await,
        json!({"orderStatusChanged": {"seq": 2, "note": ""}})
    );
}

#[tokio::test]
async fn a_client_that_does_not_read_is_dropped_and_its_subgraph_stream_ends() {
    let live = live::start_with(|config| {
        config.subscriptions.client_queue_capacity = 2;
    })
    .await;
    let mut socket = Socket::connect(&live.router.ws_url(), None).await;
    let query = "subscription($id: ID!) { orderStatusChanged(orderId: $id) { seq note } }";
    socket.subscribe("w", query, json!({"id": "o1"})).await;
    eventually("the subgraph stream", WAIT, || live.subgraph_streams() == 1).await;
    // Far more than socket buffers hold, while the client reads nothing.
    let note = "x".repeat(128 * 1024);
    for seq in 1..=400 {
        live.publish_update(Update {
            order_id: "o1".into(),
            seq,
            status: "BIG".into(),
            note: note.clone(),
        });
    }
    eventually(
        "the router to drop the client",
        Duration::from_secs(60),
        || live.subgraph_streams() == 0,
    )
    .await;
    metric_shows(
        &live.router,
        "mart_router_subscription_clients_dropped_total 1",
    )
    .await;
    metric_shows(&live.router, "mart_router_websocket_connections 0").await;
    // What the socket buffers held arrives, then the connection ends.
    let (code, _) = socket.closed().await;
    assert!(matches!(code, 1008 | 1006), "close code {code}");
}

#[tokio::test]
async fn stopping_the_router_closes_sockets_and_ends_streams() {
    let live = live::start().await;
    let mut socket = Socket::connect(&live.router.ws_url(), None).await;
    socket.subscribe("w", WATCH, json!({"id": "o1"})).await;
    let response = client()
        .post(live.router.graphql_url())
        .header("accept", "text/event-stream")
        .json(&json!({"query": WATCH, "variables": {"id": "o1"}}))
        .send()
        .await
        .expect("the router answers");
    let mut sse = BodyReader::new(response);
    let streams = live.stream_counter();
    eventually("two subgraph streams", WAIT, || streams() == 2).await;

    tokio::time::timeout(Duration::from_secs(5), live.router.stop())
        .await
        .expect("the router stops promptly")
        .expect("the router stops cleanly");
    assert_eq!(socket.closed().await.0, 1001);
    assert_eq!(
        sse.sse_event().await,
        Some(("complete".into(), String::new()))
    );
    assert_eq!(sse.sse_event().await, None);
    eventually("the subgraph streams to end", WAIT, || streams() == 0).await;
}

#[tokio::test]
async fn a_client_that_stops_answering_is_dropped_and_one_that_answers_stays() {
    let live = live::start_with(|config| {
        config.subscriptions.keepalive_interval_ms = 100;
        config.subscriptions.client_timeout_ms = 600;
    })
    .await;
    let query = "subscription($id: ID!) { orderStatusChanged(orderId: $id) { seq note } }";
    let mut silent = Socket::connect(&live.router.ws_url(), None).await;
    silent.subscribe("s", query, json!({"id": "o1"})).await;
    let mut answering = Socket::connect(&live.router.ws_url(), None).await;
    answering.subscribe("a", query, json!({"id": "o1"})).await;
    eventually("both subgraph streams", WAIT, || {
        live.subgraph_streams() == 2
    })
    .await;

    // The answering client reads (answering the protocol's pings) for three timeouts
    // while the silent one reads nothing at all.
    let until = Instant::now() + Duration::from_millis(1800);
    while Instant::now() < until {
        let _ = tokio::time::timeout(Duration::from_millis(50), answering.recv()).await;
    }
    eventually("the silent client's subgraph stream to end", WAIT, || {
        live.subgraph_streams() == 1
    })
    .await;
    let (code, reason) = silent.closed().await;
    assert!(matches!(code, 1001 | 1006), "close code {code} {reason}");

    live.publish_update(Update {
        order_id: "o1".into(),
        seq: 1,
        status: "STILL_HERE".into(),
        note: String::new(),
    });
    let data = answering.next_data("a").await;
    assert_eq!(data["orderStatusChanged"]["seq"], 1, "{data:#}");
}

#[tokio::test]
async fn streams_are_capped_per_client_address_and_places_come_back() {
    let live = live::start_with(|config| config.subscriptions.max_streams_per_client = 2).await;
    let first = Socket::connect(&live.router.ws_url(), None).await;
    let second = Socket::connect(&live.router.ws_url(), None).await;
    // A third WebSocket from the same address is refused before the upgrade.
    let refused = tokio_tungstenite::connect_async(live.router.ws_url()).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 429);
        }
        other => panic!(
            "a third socket was not refused: {:?}",
            other.map(|(_, r)| r)
        ),
    }
    // So is an SSE subscription: every kind of stream counts.
    let sse = client()
        .post(live.router.graphql_url())
        .header("accept", "text/event-stream")
        .json(&json!({"query": WATCH, "variables": {"id": "o1"}}))
        .send()
        .await
        .expect("the router answers");
    assert_eq!(sse.status(), 429);
    let body: Value = sse.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "TOO_MANY_CONNECTIONS"
    );
    // A closed socket gives its place back.
    drop((first, second));
    let deadline = Instant::now() + WAIT;
    loop {
        match tokio_tungstenite::connect_async(live.router.ws_url()).await {
            Ok(_) => break,
            Err(e) => assert!(Instant::now() < deadline, "no place came back: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
