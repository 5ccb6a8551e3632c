//! Decoding a subgraph's response and turning its errors into client errors.
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use mart_telemetry::log_rate::Tally;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::graphql_error::{GraphQLError, PathSegment, codes};
use crate::subgraph::client::FetchError;

#[derive(Deserialize)]
pub struct SubgraphResponse {
    /// Parsed straight into the router's values (see `json`); errors stay `serde_json`.
    #[serde(default)]
    pub data: Option<crate::json::Value>,
    #[serde(default)]
    pub errors: Option<Vec<Value>>,
}

pub fn decode(body: &[u8], service: &str) -> Result<SubgraphResponse, GraphQLError> {
    sonic_rs::from_slice(body).map_err(|e| {
        request_failed(
            service,
            &format!("subgraph response is not a GraphQL response: {e}"),
        )
    })
}

/// The error a client sees when a subgraph could not be asked or answered nonsense.
pub fn request_failed(service: &str, reason: &str) -> GraphQLError {
    GraphQLError::with_code(
        format!("HTTP fetch failed from '{service}': {reason}"),
        codes::SUBGRAPH_REQUEST_FAILED,
    )
    .extension("serviceName", Value::String(service.to_string()))
}

/// The client's error for a failed fetch; the full reason goes to the log.
pub fn fetch_failed(service: &str, error: &FetchError) -> GraphQLError {
    if let Some(failed) = failures_of(service).add() {
        tracing::warn!(subgraph = service, error = %error, failed, "subgraph request failed");
    }
    request_failed(service, &error.public_reason())
}

/// The failed fetches of each subgraph, reported one line a second: while a subgraph is
/// down every request that needs it fails alike, and a line each buries the log.
fn failures_of(service: &str) -> Arc<Tally> {
    static FAILURES: LazyLock<Mutex<HashMap<String, Arc<Tally>>>> = LazyLock::new(Default::default);
    let mut failures = FAILURES.lock().unwrap_or_else(|p| p.into_inner());
    // The supergraph names the subgraphs, so the map holds a few entries at most.
    failures
        .entry(service.to_string())
        .or_insert_with(|| Arc::new(Tally::new(Duration::from_secs(1))))
        .clone()
}

/// A subgraph error for the client: message and extensions kept, `serviceName` added, the
/// path translated by `repath` (subgraph locations mean nothing to the client).
pub fn convert_error(
    raw: Value,
    service: &str,
    repath: &dyn Fn(&[Value]) -> Option<Vec<PathSegment>>,
) -> GraphQLError {
    let Value::Object(mut raw) = raw else {
        return GraphQLError::with_code(
            "Subgraph returned a malformed error",
            codes::SUBGRAPH_REQUEST_FAILED,
        )
        .extension("serviceName", Value::String(service.to_string()));
    };
    let message = match raw.remove("message") {
        Some(Value::String(m)) => m,
        _ => "Subgraph error".to_string(),
    };
    let path = match raw.get("path") {
        Some(Value::Array(path)) => repath(path),
        _ => None,
    };
    let mut extensions = match raw.remove("extensions") {
        Some(Value::Object(ext)) => ext,
        _ => Map::new(),
    };
    extensions
        .entry("serviceName")
        .or_insert_with(|| Value::String(service.to_string()));
    GraphQLError {
        message,
        locations: Vec::new(),
        path,
        extensions,
    }
}

pub fn plain_path(path: &[Value]) -> Option<Vec<PathSegment>> {
    path.iter().map(PathSegment::from_json).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_decode_as_serde_json_reads_them() {
        let body = br#"{"data":{"a":[1,-2,3.5,1e300,18446744073709551615,"s\n\"q\"\u00e9",true,null,{"b":{}}]},"errors":[{"message":"m","path":["a",0]}]}"#;
        let decoded = decode(body, "s").unwrap();
        let expected: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(
            decoded.data.unwrap(),
            crate::json::Value::from(expected["data"].clone())
        );
        assert_eq!(
            decoded.errors.unwrap(),
            expected["errors"].as_array().unwrap().clone()
        );
    }

    #[test]
    fn malformed_answers_are_refused_with_the_subgraph_named() {
        for body in [
            &b"{"[..],
            b"",
            b"<html>",
            b"{\"data\":\"\xff\"}",
            b"{\"data\":{}} trailing",
        ] {
            let error = decode(body, "products").err().expect("refused");
            assert_eq!(
                error.code(),
                Some(codes::SUBGRAPH_REQUEST_FAILED),
                "{body:?}"
            );
            assert!(error.message.contains("'products'"), "{}", error.message);
        }
    }
}
