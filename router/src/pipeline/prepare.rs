//! parse → validate → limits → compile → plan, for one operation text; the result is cached
//! per supergraph in an LRU keyed by the hash of the text and the operation name.
use std::hash::Hasher;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use graphql_tools::parser::query::parse_query_with_token_limit;
use graphql_tools::static_graphql::query::Document;
use graphql_tools::validation::validate::validate;
use hive_router_query_planner::ast::normalization::normalize_operation;
use hive_router_query_planner::ast::selection_item::SelectionItem;
use hive_router_query_planner::graph::PlannerOverrideContext;
use hive_router_query_planner::planner::plan_nodes::QueryPlan;
use hive_router_query_planner::utils::cancellation::CancellationToken;
use xxhash_rust::xxh3::Xxh3;

use crate::config::RouterConfig;
use crate::graphql_error::{GraphQLError, Location, codes};
use crate::operation::{self, Operation, Selection2};
use crate::pipeline::limits;
use crate::schema::{Supergraph, panic_message};

/// An operation ready to execute: the client's selection (for shaping) and the query plan.
pub struct PreparedOperation {
    pub operation: Operation,
    /// `None` when every root field is answered by the router itself (introspection).
    pub plan: Option<QueryPlan>,
    /// Root fields that are `__schema` / `__type`.
    pub has_introspection: bool,
    /// Selected fields that carry `@requiresScopes` / `@authenticated`.
    pub restrictions: crate::auth::scopes::Restrictions,
}

pub fn cache_key(query: &str, operation_name: Option<&str>) -> u64 {
    let mut hasher = Xxh3::new();
    hasher.write(query.as_bytes());
    hasher.write_u8(0xff);
    if let Some(name) = operation_name {
        hasher.write(name.as_bytes());
    }
    hasher.finish()
}

pub fn cached(supergraph: &Supergraph, key: u64) -> Option<Arc<PreparedOperation>> {
    supergraph
        .plan_cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
        .cloned()
}

/// Runs the full preparation and stores the result in the cache. CPU-bound: call it from a
/// blocking thread.
pub fn prepare(
    supergraph: &Supergraph,
    config: &RouterConfig,
    key: u64,
    query: &str,
    operation_name: Option<&str>,
) -> Result<Arc<PreparedOperation>, Vec<GraphQLError>> {
    let document = parse(query, config.limits.max_tokens)?;
    let validation_errors = validate(&supergraph.api_schema, &document, &supergraph.validation);
    if !validation_errors.is_empty() {
        return Err(validation_errors
            .into_iter()
            .map(|e| {
                GraphQLError::with_code(e.message, codes::VALIDATION_FAILED).located(
                    e.locations
                        .iter()
                        .map(|p| Location {
                            line: p.line,
                            column: p.column,
                        })
                        .collect(),
                )
            })
            .collect());
    }
    let operation = operation::compile(&document, operation_name, &supergraph.index)
        .map_err(|m| vec![GraphQLError::with_code(m, codes::VALIDATION_FAILED)])?;
    limits::check(&document, &operation, &config.limits)
        .map_err(|m| vec![GraphQLError::with_code(m, codes::OPERATION_LIMIT_EXCEEDED)])?;
    let has_introspection = root_field_names(&operation.selection)
        .iter()
        .any(|n| *n == "__schema" || *n == "__type");
    if has_introspection && !config.introspection {
        return Err(vec![GraphQLError::with_code(
            "Introspection is disabled.",
            codes::INTROSPECTION_DISABLED,
        )]);
    }
    let plan = plan(supergraph, config, &document, operation_name)?;
    let restrictions = crate::auth::scopes::Restrictions::of(
        &operation,
        &supergraph.authorization,
        &supergraph.index,
    );
    let prepared = Arc::new(PreparedOperation {
        operation,
        plan,
        has_introspection,
        restrictions,
    });
    supergraph
        .plan_cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .put(key, prepared.clone());
    Ok(prepared)
}

fn parse(query: &str, max_tokens: usize) -> Result<Document, Vec<GraphQLError>> {
    parse_query_with_token_limit::<String>(query, max_tokens)
        .map(|d| d.into_static())
        .map_err(|e| {
            let message = e.to_string();
            let code = if message.contains("Token limit exceeded") {
                codes::OPERATION_LIMIT_EXCEEDED
            } else {
                codes::PARSE_FAILED
            };
            vec![GraphQLError::with_code(message.trim().to_string(), code)]
        })
}

fn root_field_names(set: &operation::SelectionSet) -> Vec<&str> {
    let mut names = Vec::new();
    for item in &set.items {
        match item {
            Selection2::Field(f) => names.push(f.name.as_str()),
            Selection2::Fragment(f) => names.extend(root_field_names(&f.selection)),
        }
    }
    names
}

pub(crate) fn plan(
    supergraph: &Supergraph,
    config: &RouterConfig,
    document: &Document,
    operation_name: Option<&str>,
) -> Result<Option<QueryPlan>, Vec<GraphQLError>> {
    let planning_failed =
        |message: String| vec![GraphQLError::with_code(message, codes::PLANNING_FAILED)];
    let planner = &supergraph.planner;
    // The planner asserts on inputs it does not support; a panic must not take a worker down.
    let result =
        catch_unwind(AssertUnwindSafe(|| {
            let mut normalized = normalize_operation(&planner.supergraph, document, operation_name)
                .map_err(|e| format!("Cannot normalize the operation: {e}"))?;
            // Root introspection fields are answered by the router, not by subgraphs.
            normalized.operation.selection_set.items.retain(
                |item| !matches!(item, SelectionItem::Field(f) if f.name.starts_with("__")),
            );
            if normalized.operation.selection_set.items.is_empty() {
                return Ok(None);
            }
            let cancellation =
                CancellationToken::with_timeout(Duration::from_millis(config.planning_timeout_ms));
            planner
                .plan_from_normalized_operation(
                    &normalized.operation,
                    PlannerOverrideContext::default(),
                    &cancellation,
                )
                .map(Some)
                .map_err(|e| format!("Cannot plan the operation: {e}"))
        }));
    match result {
        Ok(Ok(plan)) => Ok(plan),
        Ok(Err(message)) => Err(planning_failed(message)),
        Err(panic) => Err(planning_failed(format!(
            "Cannot plan the operation: {}",
            panic_message(&panic)
        ))),
    }
}
