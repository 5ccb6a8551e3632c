//! Subscriptions with authentication on: the socket's token (from `connection_init` or the
//! upgrade header) is verified like an HTTP request's, refused with close code 4403, enforced
//! against `@authenticated`, forwarded to the subgraph, and the socket closes with 4403 when the
//! token expires.
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use mart_auth::{AccessClaims, Role, TokenIssuer};
use mart_service::testkit::clients::{BodyReader, Socket, TRANSPORT_WS};
use serde_json::json;

use crate::auth::{AUDIENCE, ISSUER, issuer, serve};
use crate::harness::client;
use crate::live::{self, Live, eventually};
use crate::subscription_tests::{WATCH, watched};

const WAIT: Duration = Duration::from_secs(10);

const MINE: &str = "subscription { myOrderUpdates { seq status } }";

async fn start() -> (Live, TokenIssuer) {
    let issuer = issuer(Duration::from_secs(900));
    let jwks = issuer.keys().jwks();
    let jwks_app = Router::new().route(
        mart_auth::JWKS_PATH,
        get(move || {
            let jwks = jwks.clone();
            async move { axum::Json(jwks) }
        }),
    );
    let jwks_url = format!("http://{}{}", serve(jwks_app).await, mart_auth::JWKS_PATH);
    let live = live::start_with(|config| {
        config.auth.jwks_url = Some(jwks_url);
        config.auth.leeway_secs = 0;
    })
    .await;
    (live, issuer)
}

fn token(issuer: &TokenIssuer, ttl_secs: u64) -> String {
    let claims = AccessClaims::new(
        ISSUER,
        AUDIENCE,
        uuid::Uuid::now_v7(),
        Role::Customer,
        mart_auth::claims::now_secs(),
        ttl_secs,
    );
    issuer.sign(claims).expect("a signed token").token
}

#[tokio::test]
async fn a_bad_token_is_refused_with_4403_wherever_it_comes_from() {
    let (live, _issuer) = start().await;
    let url = live.router.ws_url();
    let mut socket = Socket::open(&url, TRANSPORT_WS, &[]).await;
    socket
        .send(json!({"type": "connection_init", "payload": {"Authorization": "Bearer not.a.jwt"}}))
        .await;
    let (code, reason) = socket.closed().await;
    assert_eq!(code, 4403);
    assert!(reason.starts_with("Forbidden"), "{reason}");

    let mut socket =
        Socket::open(&url, TRANSPORT_WS, &[("authorization", "Bearer not.a.jwt")]).await;
    socket.send(json!({"type": "connection_init"})).await;
    assert_eq!(
        socket.closed().await.0,
        4403,
        "a bad token in the upgrade header"
    );
    assert_eq!(
        live.subgraph_sockets().len(),
        0,
        "the subgraph was never asked"
    );
}

#[tokio::test]
async fn an_authenticated_field_needs_a_token_and_the_token_reaches_the_subgraph() {
    let (live, issuer) = start().await;
    let url = live.router.ws_url();

    let mut anonymous = Socket::connect(&url, None).await;
    anonymous.subscribe("m", MINE, json!({})).await;
    let refused = anonymous.recv().await;
    assert_eq!(refused["type"], "next", "{refused:#}");
    assert_eq!(refused["payload"]["data"], serde_json::Value::Null);
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    assert_eq!(
        anonymous.recv().await,
        json!({"type": "complete", "id": "m"})
    );
    assert_eq!(live.subgraph_streams(), 0, "the subgraph was never asked");
    // Fields without a requirement stay open to anonymous callers.
    anonymous.subscribe("w", WATCH, json!({"id": "o1"})).await;
    eventually("the anonymous stream", WAIT, || {
        live.subgraph_streams() == 1
    })
    .await;
    let sockets = live.subgraph_sockets();
    assert!(
        sockets[0].1.get("Authorization").is_none(),
        "{:?}",
        sockets[0].1
    );
    assert!(sockets[0].0.get("authorization").is_none());

    let token = token(&issuer, 900);
    let mut customer = Socket::connect(&url, Some(&token)).await;
    customer.subscribe("m", MINE, json!({})).await;
    eventually("the customer's stream", WAIT, || {
        live.subgraph_streams() == 2
    })
    .await;
    let sockets = live.subgraph_sockets();
    let (headers, payload) = &sockets[1];
    let bearer = format!("Bearer {token}");
    assert_eq!(payload["Authorization"], bearer.as_str());
    assert_eq!(headers["authorization"], bearer.as_str());
    live.publish("o1", 1, "PLACED");
    assert_eq!(
        customer.next_data("m").await,
        json!({"myOrderUpdates": {"seq": 1, "status": "PLACED"}})
    );
    assert_eq!(anonymous.next_data("w").await, watched(1, "PLACED"));
}

#[tokio::test]
async fn the_socket_closes_with_4403_when_its_token_expires() {
    let (live, issuer) = start().await;
    let token = token(&issuer, 2);
    let connected = Instant::now();
    let mut socket = Socket::connect(&live.router.ws_url(), Some(&token)).await;
    socket.subscribe("m", MINE, json!({})).await;
    eventually("the stream", WAIT, || live.subgraph_streams() == 1).await;
    let (code, reason) = socket.closed().await;
    assert_eq!(code, 4403, "{reason}");
    assert!(reason.contains("expired"), "{reason}");
    assert!(
        connected.elapsed() < Duration::from_secs(5),
        "{:?}",
        connected.elapsed()
    );
    eventually("the subgraph stream to end", WAIT, || {
        live.subgraph_streams() == 0
    })
    .await;
}

#[tokio::test]
async fn an_sse_stream_ends_with_unauthenticated_when_its_token_expires() {
    let (live, issuer) = start().await;
    let token = token(&issuer, 2);
    let response = client()
        .post(live.router.graphql_url())
        .bearer_auth(&token)
        .header("accept", "text/event-stream")
        .json(&json!({"query": MINE}))
        .send()
        .await
        .expect("the router answers");
    assert_eq!(response.status(), 200);
    let mut sse = BodyReader::new(response);
    eventually("the stream", WAIT, || live.subgraph_streams() == 1).await;
    let (event, data) = sse.sse_event().await.expect("an event");
    assert_eq!(event, "next");
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(
        data["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{data}"
    );
    assert_eq!(sse.sse_event().await.map(|e| e.0), Some("complete".into()));
    eventually("the subgraph stream to end", WAIT, || {
        live.subgraph_streams() == 0
    })
    .await;
}
