//! The request pipeline, top to bottom: prepare (parse → validate → plan, cached) → coerce
//! variables → execute the plan → answer introspection → shape the response.
pub mod limits;
pub mod prepare;
pub mod variables;

use std::sync::Arc;

use hyper::header::HeaderMap;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::auth::RequestIdentity;
use crate::auth::scopes::DeniedFields;
use crate::execution::{ExecutionContext, ExecutionState, SubgraphHeaders};
use crate::graphql_error::{GraphQLError, codes};
use crate::operation::collect_fields;
use crate::response::shape::shape_data;
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
    pub extensions: Option<Value>,
}

pub enum Outcome {
    /// The request never reached execution: the response has no `data` entry.
    RequestError(Vec<GraphQLError>),
    /// Executed: `data` is the serialized `data` entry.
    Executed {
        data: Vec<u8>,
        errors: Vec<GraphQLError>,
    },
}

/// Refusals that are HTTP-level rather than GraphQL errors.
pub enum Refusal {
    MutationOverGet,
}

pub async fn handle(
    state: &RouterState,
    request: GraphQLRequest,
    client_headers: &HeaderMap,
    identity: &RequestIdentity,
    is_get: bool,
) -> Result<Outcome, Refusal> {
    let Some(query) = request.query.filter(|q| !q.trim().is_empty()) else {
        let message = if request
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("persistedQuery").is_some())
        {
            return Ok(Outcome::RequestError(vec![GraphQLError::with_code(
                "PersistedQueryNotSupported",
                codes::PERSISTED_QUERY_NOT_SUPPORTED,
            )]));
        } else {
            "Must provide query string."
        };
        return Ok(Outcome::RequestError(vec![GraphQLError::with_code(
            message,
            codes::BAD_REQUEST,
        )]));
    };
    let supergraph = state.supergraph.current();
    let operation_name = request.operation_name.filter(|n| !n.is_empty());
    let prepared =
        match prepared_operation(state, &supergraph, &query, operation_name.as_deref()).await {
            Ok(prepared) => prepared,
            Err(errors) => return Ok(Outcome::RequestError(errors)),
        };
    let operation = &prepared.operation;
    if is_get && operation.kind != OperationType::Query {
        return Err(Refusal::MutationOverGet);
    }
    if operation.kind == OperationType::Subscription {
        return Ok(Outcome::RequestError(vec![GraphQLError::with_code(
            "Subscriptions are not supported over this transport.",
            codes::UNSUPPORTED_OPERATION,
        )]));
    }
    let variables = match variables::coerce(
        operation,
        request.variables.unwrap_or_default(),
        &supergraph.index,
    ) {
        Ok(variables) => variables,
        Err(errors) => return Ok(Outcome::RequestError(errors)),
    };
    let denied = authorization_denials(&prepared, identity);
    let filtered_plan;
    let plan = if denied.is_empty() {
        prepared.plan.as_ref()
    } else {
        let key = prepare::cache_key(&query, operation_name.as_deref());
        filtered_plan = match crate::auth::scopes::filtered_plan(
            &supergraph,
            &state.config,
            &query,
            operation_name.as_deref(),
            key,
            &denied,
            &identity.caller,
        )
        .await
        {
            Ok(plan) => plan,
            Err(errors) => return Ok(Outcome::RequestError(errors)),
        };
        filtered_plan.as_ref().as_ref()
    };
    let mut headers = state.subgraph_headers(client_headers);
    crate::auth::forward::add_identity_headers(&mut headers, identity, client_headers);
    let context = ExecutionContext::new(
        &supergraph,
        &state.client,
        &variables,
        &headers,
        state.config.deduplicate_subgraph_requests && operation.kind == OperationType::Query,
    );
    let mut executed = match plan {
        Some(plan) => context.execute(plan).await,
        None => context.into_state(),
    };
    if prepared.has_introspection {
        answer_introspection(&supergraph, &prepared, &variables, &mut executed);
    }
    let ExecutionState { data, mut errors } = executed;
    let data = shape_data(
        operation,
        &data,
        &supergraph.index,
        &variables,
        &denied,
        &mut errors,
    );
    Ok(Outcome::Executed { data, errors })
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
