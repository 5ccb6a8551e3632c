//! GraphQL over HTTP as a subgraph answers it (the same for every subgraph: it is
//! `mart_service::graphql`): media types, and 400 for requests that could not run.

use serde_json::{Value, json};

use crate::support::TestService;

async fn post(
    service: &TestService,
    content_type: &str,
    accept: Option<&str>,
    body: String,
) -> (u16, String, Value) {
    let mut request = reqwest::Client::new()
        .post(&service.url)
        .header("content-type", content_type)
        .body(body);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let response = request.send().await.expect("the service answers");
    let status = response.status().as_u16();
    let label = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, label, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_follow_graphql_over_http() {
    let service = TestService::start("products_http").await;
    let ok = json!({ "query": "{ __typename }" }).to_string();
    let invalid = json!({ "query": "{ nope }" }).to_string();
    let json = "application/json";
    let graphql_response = "application/graphql-response+json";

    // A client that does not ask for the new media type gets the old one, and 200.
    for accept in [None, Some("*/*"), Some(json)] {
        let (status, label, body) = post(&service, json, accept, ok.clone()).await;
        assert_eq!(
            (status, &body),
            (200, &json!({"data": {"__typename": "Query"}}))
        );
        assert!(label.starts_with(json), "{accept:?}: {label}");
        let (status, _, body) = post(&service, json, accept, invalid.clone()).await;
        assert_eq!(status, 200, "{accept:?}: {body}");
        assert!(body["errors"][0]["message"].is_string(), "{body}");
    }

    // One that asks for it: 400 and no data when nothing could run.
    let accept = Some("application/graphql-response+json, application/json");
    let (status, label, _) = post(&service, json, accept, ok.clone()).await;
    assert_eq!(status, 200);
    assert!(label.starts_with(graphql_response), "{label}");
    let (status, label, body) = post(&service, json, accept, invalid.clone()).await;
    assert_eq!(status, 400, "{body}");
    assert!(label.starts_with(graphql_response), "{label}");
    assert!(body.get("data").is_none(), "{body}");
    assert!(body["errors"][0]["message"].is_string(), "{body}");

    // A body not labelled JSON is refused rather than read as JSON.
    let (status, _, body) = post(&service, "text/plain", None, ok).await;
    assert_eq!(status, 415, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    service.stop().await;
}
