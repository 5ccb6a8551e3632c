//! Authorize: the fields this caller may not see, and the plan without them. Empty and free
//! unless authentication is on and the operation touches a restricted field.
use std::hash::Hasher;
use std::sync::Arc;

use hive_router_query_planner::planner::plan_nodes::QueryPlan;
use xxhash_rust::xxh3::Xxh3;

use super::generation::{Generation, PreparedOperation, lock};
use super::{parse, plan};
use crate::auth::scopes::{DeniedFields, filter_document};
use crate::auth::{Caller, RequestIdentity};
use crate::config::RouterConfig;
use crate::graphql_error::{GraphQLError, codes};

pub fn denials(prepared: &PreparedOperation, identity: &RequestIdentity) -> DeniedFields {
    if !identity.caller.enforces_directives() || prepared.restrictions.is_empty() {
        return DeniedFields::default();
    }
    prepared.restrictions.denied_for(&identity.caller)
}

/// The plan of `query` without the fields `caller` may not see (`None`: nothing left for
/// subgraphs). Cached per generation by the operation and the denied set.
pub async fn filtered_plan(
    generation: &Arc<Generation>,
    config: &Arc<RouterConfig>,
    query: &str,
    operation_name: Option<&str>,
    denied: &DeniedFields,
    caller: &Caller,
) -> Result<Arc<Option<QueryPlan>>, Vec<GraphQLError>> {
    let mut hasher = Xxh3::new();
    hasher.write_u64(parse::cache_key(query, operation_name));
    hasher.write_u64(denied.key());
    let key = hasher.finish();
    if let Some(plan) = lock(&generation.filtered_plans).get(&key) {
        return Ok(plan.clone());
    }
    let (generation, config) = (generation.clone(), config.clone());
    let (query, operation_name) = (query.to_string(), operation_name.map(str::to_string));
    let caller = caller.clone();
    let planned = tokio::task::spawn_blocking(move || {
        let document = parse::parse(&query, config.limits.max_tokens)?;
        let supergraph = &generation.supergraph;
        let filtered = filter_document(
            &document,
            operation_name.as_deref(),
            &generation.policy,
            &supergraph.index,
            &caller,
        );
        let plan = match filtered {
            None => None,
            Some(filtered) => {
                plan::plan(supergraph, &config, &filtered, operation_name.as_deref())?
            }
        };
        let plan = Arc::new(plan);
        lock(&generation.filtered_plans).put(key, plan.clone());
        Ok(plan)
    })
    .await;
    planned.unwrap_or_else(|e| {
        Err(vec![GraphQLError::with_code(
            format!("Operation preparation failed: {e}"),
            codes::PLANNING_FAILED,
        )])
    })
}
