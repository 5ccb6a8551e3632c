//! What enters the pipeline (a GraphQL-over-HTTP request), what leaves its preparing half (a
//! [`ReadyOperation`]), and why a request can stop before execution.
use std::sync::Arc;

use hive_router_query_planner::planner::plan_nodes::QueryPlan;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::generation::{Generation, PreparedOperation};
use crate::auth::scopes::DeniedFields;
use crate::graphql_error::{GraphQLError, codes};
use crate::schema::Supergraph;
use crate::schema::index::OperationType;

/// A GraphQL-over-HTTP request.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphQLRequest {
    pub query: Option<String>,
    pub operation_name: Option<String>,
    pub variables: Option<Map<String, Value>>,
    /// A JSON object when present (GraphQL over HTTP); anything else is refused.
    pub extensions: Option<Map<String, Value>>,
}

/// Refusals that are HTTP-level rather than GraphQL errors.
pub enum Refusal {
    MutationOverGet,
}

/// Why a request stops before execution.
pub enum Stop {
    Refused(Refusal),
    /// Request errors: the response has no `data` entry.
    Errors(Vec<GraphQLError>),
}

impl From<Vec<GraphQLError>> for Stop {
    fn from(errors: Vec<GraphQLError>) -> Self {
        Stop::Errors(errors)
    }
}

/// An operation ready to execute: prepared (cached), variables coerced, and the plan with the
/// fields the caller may not see removed. Owns what it needs, so a subscription can keep it
/// for as long as it runs.
pub struct ReadyOperation {
    pub generation: Arc<Generation>,
    pub prepared: Arc<PreparedOperation>,
    pub variables: Map<String, Value>,
    pub denied: DeniedFields,
    /// The plan without denied fields, when the caller was denied any.
    pub(super) filtered_plan: Option<Arc<Option<QueryPlan>>>,
}

impl ReadyOperation {
    pub fn kind(&self) -> OperationType {
        self.prepared.operation.kind
    }

    pub fn supergraph(&self) -> &Supergraph {
        &self.generation.supergraph
    }

    /// `None` when no subgraph is involved (introspection only, or every field denied).
    pub fn plan(&self) -> Option<&QueryPlan> {
        match &self.filtered_plan {
            Some(filtered) => filtered.as_ref().as_ref(),
            None => self.prepared.plan.as_ref(),
        }
    }
}

/// The error a subscription gets over a transport that answers once.
pub fn subscription_needs_streaming() -> GraphQLError {
    GraphQLError::with_code(
        "Subscriptions need a streaming transport: a WebSocket (graphql-transport-ws or \
         graphql-ws), or HTTP with Accept: text/event-stream or \
         multipart/mixed;subscriptionSpec=1.0.",
        codes::UNSUPPORTED_OPERATION,
    )
}

/// The request's query text, or the error for a request without one.
pub(super) fn query_text(request: &mut GraphQLRequest) -> Result<String, Vec<GraphQLError>> {
    if let Some(query) = request.query.take().filter(|q| !q.trim().is_empty()) {
        return Ok(query);
    }
    let persisted = request
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("persistedQuery").is_some());
    Err(if persisted {
        vec![GraphQLError::with_code(
            "PersistedQueryNotSupported",
            codes::PERSISTED_QUERY_NOT_SUPPORTED,
        )]
    } else {
        vec![GraphQLError::with_code(
            "Must provide query string.",
            codes::BAD_REQUEST,
        )]
    })
}
