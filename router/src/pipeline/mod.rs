//! The request pipeline, top to bottom: prepare (parse → validate → plan, cached) → coerce
//! variables → authorization ([`prepare_request`]) → execute the plan → answer introspection →
//! shape the response ([`execute`]). Every transport (HTTP, WebSocket, SSE, multipart) goes
//! through [`prepare_request`]; subscriptions then stream (`crate::subscription`).
pub mod limits;
pub mod prepare;
pub mod variables;

use std::sync::Arc;

use hive_router_query_planner::planner::plan_nodes::QueryPlan;
use hyper::header::HeaderMap;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::auth::RequestIdentity;
use crate::auth::scopes::DeniedFields;
use crate::execution::{ExecutionContext, ExecutionState, SubgraphHeaders};
use crate::graphql_error::{GraphQLError, codes};
use crate::operation::collect_fields;
use crate::response::shape::shape_data;
use crate::schema::Supergraph;
use crate::schema::index::OperationType;
use crate::server::RouterState;
use prepare::PreparedOperation;

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
    pub supergraph: Arc<Supergraph>,
    pub prepared: Arc<PreparedOperation>,
    pub variables: Map<String, Value>,
    pub denied: DeniedFields,
    /// The plan without denied fields, when the caller was denied any.
    filtered_plan: Option<Arc<Option<QueryPlan>>>,
}

impl ReadyOperation {
    pub fn kind(&self) -> OperationType {
        self.prepared.operation.kind
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

/// parse → validate → plan (cached) → coerce variables → apply the caller's authorization.
pub async fn prepare_request(
    state: &RouterState,
    request: GraphQLRequest,
    identity: &RequestIdentity,
    is_get: bool,
) -> Result<ReadyOperation, Stop> {
    let Some(query) = request.query.filter(|q| !q.trim().is_empty()) else {
        let persisted = request
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("persistedQuery").is_some());
        return Err(if persisted {
            vec![GraphQLError::with_code(
                "PersistedQueryNotSupported",
                codes::PERSISTED_QUERY_NOT_SUPPORTED,
            )]
        } else {
            vec![GraphQLError::with_code(
                "Must provide query string.",
                codes::BAD_REQUEST,
            )]
        }
        .into());
    };
    let supergraph = state.supergraph.current();
    let operation_name = request.operation_name.filter(|n| !n.is_empty());
    let prepared =
        prepared_operation(state, &supergraph, &query, operation_name.as_deref()).await?;
    let operation = &prepared.operation;
    // A subscription over GET is fine for a streaming answer (EventSource can only GET).
    if is_get && operation.kind == OperationType::Mutation {
        return Err(Stop::Refused(Refusal::MutationOverGet));
    }
    let variables = variables::coerce(
        operation,
        request.variables.unwrap_or_default(),
        &supergraph.index,
    )?;
    let denied = authorization_denials(&prepared, identity);
    let filtered_plan = if denied.is_empty() {
        None
    } else {
        let key = prepare::cache_key(&query, operation_name.as_deref());
        Some(
            crate::auth::scopes::filtered_plan(
                &supergraph,
                &state.config,
                &query,
                operation_name.as_deref(),
                key,
                &denied,
                &identity.caller,
            )
            .await?,
        )
    };
    Ok(ReadyOperation {
        supergraph,
        prepared,
        variables,
        denied,
        filtered_plan,
    })
}

/// The headers this caller's subgraph requests carry: propagation rules, then identity.
pub fn subgraph_headers(
    state: &RouterState,
    client_headers: &HeaderMap,
    identity: &RequestIdentity,
) -> SubgraphHeaders {
    let mut headers = state.subgraph_headers(client_headers);
    crate::auth::forward::add_identity_headers(&mut headers, identity, client_headers);
    headers
}

/// Executes a query or mutation once: the `data` JSON and the errors.
pub async fn execute(
    state: &RouterState,
    ready: &ReadyOperation,
    client_headers: &HeaderMap,
    identity: &RequestIdentity,
) -> (Vec<u8>, Vec<GraphQLError>) {
    let headers = subgraph_headers(state, client_headers, identity);
    execute_with(state, ready, &headers).await
}

/// Runs the plan once and shapes the result: the `data` JSON and the errors.
pub async fn execute_with(
    state: &RouterState,
    ready: &ReadyOperation,
    headers: &SubgraphHeaders,
) -> (Vec<u8>, Vec<GraphQLError>) {
    let supergraph = &ready.supergraph;
    let prepared = &ready.prepared;
    let operation = &prepared.operation;
    let context = ExecutionContext::new(
        supergraph,
        &state.client,
        &ready.variables,
        headers,
        state.config.deduplicate_subgraph_requests && operation.kind == OperationType::Query,
    );
    let mut executed = match ready.plan() {
        Some(plan) => context.execute(plan).await,
        None => context.into_state(),
    };
    if prepared.has_introspection {
        answer_introspection(supergraph, prepared, &ready.variables, &mut executed);
    }
    let ExecutionState { data, mut errors } = executed;
    let data = shape_data(
        operation,
        &data,
        &supergraph.index,
        &ready.variables,
        &ready.denied,
        &mut errors,
    );
    (data, errors)
}

/// The selected fields the caller may not see; empty (and free) unless authentication is on
/// and the operation touches a restricted field.
fn authorization_denials(prepared: &PreparedOperation, identity: &RequestIdentity) -> DeniedFields {
    if !identity.caller.enforces_directives() || prepared.restrictions.is_empty() {
        return DeniedFields::default();
    }
    prepared.restrictions.denied_for(&identity.caller)
}

async fn prepared_operation(
    state: &RouterState,
    supergraph: &Arc<crate::schema::Supergraph>,
    query: &str,
    operation_name: Option<&str>,
) -> Result<Arc<PreparedOperation>, Vec<GraphQLError>> {
    use futures::FutureExt;
    use std::sync::atomic::Ordering::Relaxed;
    let key = prepare::cache_key(query, operation_name);
    if let Some(prepared) = prepare::cached(supergraph, key) {
        state.metrics.plan_cache_hits.fetch_add(1, Relaxed);
        return Ok(prepared);
    }
    let (preparation, leader) = {
        let mut preparing = supergraph
            .preparing
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match preparing.get(&key) {
            Some(existing) => (existing.clone(), false),
            None => {
                let owned_supergraph = supergraph.clone();
                let config = state.config.clone();
                let query = query.to_string();
                let operation_name = operation_name.map(str::to_string);
                let preparation = tokio::task::spawn_blocking(move || {
                    prepare::prepare(
                        &owned_supergraph,
                        &config,
                        key,
                        &query,
                        operation_name.as_deref(),
                    )
                })
                .map(|joined| {
                    joined.unwrap_or_else(|e| {
                        Err(vec![GraphQLError::with_code(
                            format!("Operation preparation failed: {e}"),
                            codes::PLANNING_FAILED,
                        )])
                    })
                })
                .boxed()
                .shared();
                preparing.insert(key, preparation.clone());
                (preparation, true)
            }
        }
    };
    if leader {
        state.metrics.plan_cache_misses.fetch_add(1, Relaxed);
    } else {
        state.metrics.plan_cache_hits.fetch_add(1, Relaxed);
    }
    let result = preparation.await;
    // Every waiter clears the entry: the leader's request may have been dropped mid-way.
    supergraph
        .preparing
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&key);
    result
}

fn answer_introspection(
    supergraph: &crate::schema::Supergraph,
    prepared: &PreparedOperation,
    variables: &Map<String, Value>,
    executed: &mut ExecutionState,
) {
    let operation = &prepared.operation;
    let groups = collect_fields(
        &[&operation.selection],
        &operation.root_type,
        &supergraph.index,
        variables,
    );
    let Value::Object(data) = &mut executed.data else {
        return;
    };
    for (key, fields) in groups {
        if matches!(fields[0].name.as_str(), "__schema" | "__type") {
            let value =
                supergraph
                    .introspection
                    .resolve_root_field(&fields, &supergraph.index, variables);
            data.insert(key.to_string(), value);
        }
    }
}

/// Builds the headers subgraph requests carry for this client request.
pub fn build_subgraph_headers(
    rules: &crate::config::HeaderRules,
    inserted: &HeaderMap,
    client_headers: &HeaderMap,
) -> SubgraphHeaders {
    let mut common = inserted.clone();
    for name in &rules.propagate {
        for value in client_headers.get_all(name.as_str()) {
            if let Ok(name) = hyper::header::HeaderName::from_bytes(name.as_bytes()) {
                common.append(name, value.clone());
            }
        }
    }
    let per_subgraph = rules
        .propagate_per_subgraph
        .iter()
        .map(|(subgraph, names)| {
            let mut headers = common.clone();
            for name in names {
                if let (Ok(header), Some(value)) = (
                    hyper::header::HeaderName::from_bytes(name.as_bytes()),
                    client_headers.get(name.as_str()),
                ) {
                    headers.insert(header, value.clone());
                }
            }
            (subgraph.clone(), headers)
        })
        .collect();
    SubgraphHeaders {
        common,
        per_subgraph,
        traceparent: crate::trace::child_traceparent(client_headers.get("traceparent")),
    }
}
