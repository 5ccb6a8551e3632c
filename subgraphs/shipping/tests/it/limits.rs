//! Codes have a fixed length (docs/limits.md): anything longer is refused
//! with `BAD_USER_INPUT` naming its argument, not looked up.

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{QUOTE, gql, start};

#[tokio::test(flavor = "multi_thread")]
async fn over_long_country_and_currency_codes_are_refused() {
    let s = start().await;
    for (variables, field) in [
        (
            json!({ "c": "D".repeat(300_000), "w": 1, "cur": "EUR" }),
            "country",
        ),
        (
            json!({ "c": "DE", "w": 1, "cur": "E".repeat(300_000) }),
            "currency",
        ),
        (json!({ "c": "DE", "w": 1, "cur": "EURO" }), "currency"),
    ] {
        let body = gql(&s, QUOTE, variables).await;
        let error = &body["errors"][0]["extensions"];
        assert_eq!(
            (&error["code"], &error["field"]),
            (&json!("BAD_USER_INPUT"), &json!(field)),
            "{body:#}"
        );
    }
    // The same rule for the estimate the router asks on a product.
    let body = gql(
        &s,
        "query($r: [_Any!]!, $cur: String!) { _entities(representations: $r) { ... on Product { shippingEstimate(country: \"FR\", currency: $cur) { amountMinor } } } }",
        json!({ "r": [{ "__typename": "Product", "id": "p1", "weightGrams": 2500 }], "cur": "X".repeat(1_000) }),
    )
    .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "currency",
        "{body:#}"
    );

    s.stop().await;
}

/// A subgraph reached directly, past the router, keeps the router's bounds: a body limit,
/// one operation per request, no mutation over GET, no suggestions, no introspection.
#[tokio::test(flavor = "multi_thread")]
async fn a_subgraph_called_directly_is_as_strict_as_the_router() {
    let s = start().await;
    let client = reqwest::Client::new();
    let post = |body: String| {
        client
            .post(&s.url)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    // A 10 MB body is refused from its declared length, before it is read. Only the head is
    // sent: a client writing the whole body races the server's close (broken pipe).
    assert_eq!(declared_body_status(&s.url, 10_000_000).await, "413");

    let batch = json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }]);
    let response = post(batch.to_string()).await.unwrap();
    assert_eq!(response.status(), 400);

    let mutation = "mutation { updateShipmentStatus(id: \"x\", status: SHIPPED) { id } }";
    let response = client
        .get(&s.url)
        .query(&[("query", mutation)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);

    let body = gql(&s, "{ shipingQuote { amountMinor } }", json!({})).await;
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(!message.contains("Did you mean"), "{message}");

    // async-graphql answers disabled introspection with null.
    let body = gql(
        &s,
        "{ __schema { queryType { name } } __type(name: \"Shipment\") { name } }",
        json!({}),
    )
    .await;
    assert!(
        body["data"]["__schema"].is_null(),
        "introspection answered: {body}"
    );
    assert!(
        body["data"]["__type"].is_null(),
        "introspection answered: {body}"
    );
    s.stop().await;
}

/// With a shared secret configured, the subgraph answers only requests signed with it: what
/// reaches it past the router is refused, whatever it carries.
#[tokio::test(flavor = "multi_thread")]
async fn with_a_secret_only_signed_requests_are_answered() {
    let signer = mart_auth::RequestSigner::new("a shared secret").unwrap();
    let s = crate::start_with(|config| config.request_signer = Some(signer.clone())).await;
    let client = reqwest::Client::new();
    let body = json!({ "query": "{ __typename }" }).to_string();
    let send = |signature: Option<String>| {
        let mut request = client
            .post(&s.url)
            .header("content-type", "application/json")
            .body(body.clone());
        if let Some(signature) = signature {
            request = request.header(mart_auth::SIGNATURE_HEADER, signature);
        }
        request.send()
    };
    let unsigned = send(None).await.unwrap();
    assert_eq!(unsigned.status(), 401);
    let answer: serde_json::Value = unsigned.json().await.unwrap();
    assert_eq!(
        answer["errors"][0]["extensions"]["code"],
        "UNSIGNED_REQUEST"
    );
    let forged = mart_auth::RequestSigner::new("a guess").unwrap();
    assert_eq!(
        send(Some(forged.sign(body.as_bytes())))
            .await
            .unwrap()
            .status(),
        401
    );
    let signed = send(Some(signer.sign(body.as_bytes()))).await.unwrap();
    assert_eq!(signed.status(), 200);
    let answer: serde_json::Value = signed.json().await.unwrap();
    assert_eq!(answer["data"]["__typename"], "Query");
    // Probes stay open for the orchestrator.
    let health = s.url.replace("/graphql", "/health");
    assert_eq!(client.get(health).send().await.unwrap().status(), 200);
    s.stop().await;
}

/// Sends a POST whose head declares `length` bytes of JSON, and none of them, and returns the
/// status code the server answers with.
async fn declared_body_status(url: &str, length: usize) -> String {
    let address = url
        .strip_prefix("http://")
        .and_then(|rest| rest.split('/').next())
        .expect("an http URL");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !answer.windows(2).any(|w| w == b"\r\n") {
        let read = tokio::time::timeout_at(deadline, stream.read(&mut buffer))
            .await
            .expect("an answer before the body was sent")
            .unwrap();
        assert!(read > 0, "connection closed without an answer");
        answer.extend_from_slice(&buffer[..read]);
    }
    let status_line = String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap()
        .to_owned();
    status_line.split(' ').nth(1).unwrap_or_default().to_owned()
}
