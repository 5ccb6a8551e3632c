//! The GraphQL error objects the router returns to clients.
use serde::Serialize;
use serde_json::{Map, Value};

/// One segment of a response path: an object key or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

impl PathSegment {
    pub(crate) fn from_json(value: &Value) -> Option<PathSegment> {
        match value {
            Value::String(key) => Some(PathSegment::Key(key.clone())),
            Value::Number(n) => n.as_u64().map(|i| PathSegment::Index(i as usize)),
            _ => None,
        }
    }
}

/// Source location inside the client's document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// A GraphQL error as it appears in a response's `errors` list.
#[derive(Debug, Clone, Serialize)]
pub struct GraphQLError {
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<PathSegment>>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub extensions: Map<String, Value>,
}

impl GraphQLError {
    /// An error with a stable `extensions.code`.
    pub fn with_code(message: impl Into<String>, code: &str) -> Self {
        let mut extensions = Map::new();
        extensions.insert("code".to_string(), Value::String(code.to_string()));
        Self {
            message: message.into(),
            locations: Vec::new(),
            path: None,
            extensions,
        }
    }

    pub fn at(mut self, path: Vec<PathSegment>) -> Self {
        self.path = Some(path);
        self
    }

    pub fn located(mut self, locations: Vec<Location>) -> Self {
        self.locations = locations;
        self
    }

    pub fn extension(mut self, key: &str, value: Value) -> Self {
        self.extensions.insert(key.to_string(), value);
        self
    }

    pub fn code(&self) -> Option<&str> {
        self.extensions.get("code").and_then(Value::as_str)
    }
}

/// Stable `extensions.code` values.
pub mod codes {
    pub const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
    pub const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
    pub const BAD_REQUEST: &str = "BAD_REQUEST";
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const OPERATION_LIMIT_EXCEEDED: &str = "OPERATION_LIMIT_EXCEEDED";
    /// The operation's estimated cost is above `limits.max_cost`.
    pub const COST_ESTIMATED_TOO_EXPENSIVE: &str = "COST_ESTIMATED_TOO_EXPENSIVE";
    pub const INTROSPECTION_DISABLED: &str = "INTROSPECTION_DISABLED";
    pub const PLANNING_FAILED: &str = "QUERY_PLANNING_FAILED";
    pub const SUBGRAPH_REQUEST_FAILED: &str = "SUBGRAPH_REQUEST_FAILED";
    pub const NON_NULL_VIOLATION: &str = "INVALID_GRAPHQL_RESPONSE";
    pub const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";
    /// A GET without a header a browser would have preflighted (`router/src/http/csrf.rs`).
    pub const CSRF_PREVENTION: &str = "CSRF_PREVENTION";
    pub const UNSUPPORTED_OPERATION: &str = "UNSUPPORTED_OPERATION";
    pub const PERSISTED_QUERY_NOT_SUPPORTED: &str = "PERSISTED_QUERY_NOT_SUPPORTED";
    /// The subgraph's subscription stream broke off (connection lost, closed, silent).
    pub const SUBSCRIPTION_UPSTREAM_CLOSED: &str = "SUBSCRIPTION_UPSTREAM_CLOSED";
    /// The client did not read its events fast enough; its stream was ended.
    pub const SUBSCRIBER_TOO_SLOW: &str = "SUBSCRIBER_TOO_SLOW";
    /// One WebSocket already runs `subscriptions.max_subscriptions_per_connection` operations.
    pub const TOO_MANY_SUBSCRIPTIONS: &str = "TOO_MANY_SUBSCRIPTIONS";
    /// The request (its body included) took longer than `request_timeout_ms`.
    pub const REQUEST_TIMEOUT: &str = "REQUEST_TIMEOUT";
    /// This client, or all clients together, hold as many streams as the router allows.
    pub const TOO_MANY_CONNECTIONS: &str = "TOO_MANY_CONNECTIONS";
    /// The request body is larger than `body_limit_bytes` (HTTP 413).
    pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
}
