//! Decoding a subgraph's response and turning its errors into client errors.
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
    serde_json::from_slice(body).map_err(|e| {
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
    tracing::warn!(subgraph = service, error = %error, "subgraph request failed");
    request_failed(service, &error.public_reason())
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
