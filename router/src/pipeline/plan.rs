//! Plan: the query planner over the normalized operation, with root introspection fields
//! left to the router, under the configured timeout and never taking a worker down.
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use graphql_tools::static_graphql::query::Document;
use hive_router_query_planner::ast::normalization::normalize_operation;
use hive_router_query_planner::ast::selection_item::SelectionItem;
use hive_router_query_planner::graph::PlannerOverrideContext;
use hive_router_query_planner::planner::plan_nodes::QueryPlan;
use hive_router_query_planner::utils::cancellation::CancellationToken;

use crate::config::RouterConfig;
use crate::graphql_error::{GraphQLError, codes};
use crate::schema::{Supergraph, panic_message};

pub fn plan(
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
