//! Prepare: parse → limits → validate → plan for one operation text, cached per generation
//! by the text and operation name. Concurrent first requests of an operation share one
//! preparation (single flight) on a blocking thread.
use std::sync::Arc;

use futures::FutureExt;

use super::generation::{Generation, PrepareResult, PreparedOperation, lock};
use super::{limits, parse, plan, validate};
use crate::auth::scopes::Restrictions;
use crate::config::RouterConfig;
use crate::graphql_error::{GraphQLError, codes};
use crate::metrics::Metrics;
use crate::operation::{self, Selection2};

/// The prepared operation for `query`: from the generation's cache, from a preparation
/// already under way, or prepared now.
pub async fn prepared_operation(
    config: &Arc<RouterConfig>,
    metrics: &Metrics,
    generation: &Arc<Generation>,
    query: &str,
    operation_name: Option<&str>,
) -> PrepareResult {
    let key = parse::cache_key(query, operation_name);
    if let Some(prepared) = lock(&generation.prepared).get(&key).cloned() {
        metrics.plan_cache_hits.increment(1);
        return Ok(prepared);
    }
    let (preparation, leader) = {
        let mut preparing = lock(&generation.preparing);
        match preparing.get(&key) {
            Some(existing) => (existing.clone(), false),
            None => {
                let generation = generation.clone();
                let config = config.clone();
                let query = query.to_string();
                let operation_name = operation_name.map(str::to_string);
                let preparation = tokio::task::spawn_blocking(move || {
                    let prepared = Arc::new(prepare(
                        &generation,
                        &config,
                        &query,
                        operation_name.as_deref(),
                    )?);
                    lock(&generation.prepared).put(key, prepared.clone());
                    Ok(prepared)
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
        metrics.plan_cache_misses.increment(1);
    } else {
        metrics.plan_cache_hits.increment(1);
    }
    let result = preparation.await;
    // Every waiter clears the entry: the leader's request may have been dropped mid-way.
    lock(&generation.preparing).remove(&key);
    result
}

/// The full preparation, uncached. CPU-bound: call it from a blocking thread.
fn prepare(
    generation: &Generation,
    config: &RouterConfig,
    query: &str,
    operation_name: Option<&str>,
) -> Result<PreparedOperation, Vec<GraphQLError>> {
    let supergraph = &generation.supergraph;
    let document = parse::parse(query, config.limits.max_tokens)?;
    limits::check(&document, operation_name, &config.limits)
        .map_err(|m| vec![GraphQLError::with_code(m, codes::OPERATION_LIMIT_EXCEEDED)])?;
    let operation = validate::validate(supergraph, &document, operation_name)?;
    let has_introspection = root_field_names(&operation.selection)
        .iter()
        .any(|n| *n == "__schema" || *n == "__type");
    if has_introspection && !config.introspection {
        return Err(vec![GraphQLError::with_code(
            "Introspection is disabled.",
            codes::INTROSPECTION_DISABLED,
        )]);
    }
    let plan = plan::plan(supergraph, config, &document, operation_name)?;
    let restrictions = Restrictions::of(&operation, &generation.policy, &supergraph.index);
    Ok(PreparedOperation {
        operation,
        plan,
        has_introspection,
        restrictions,
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
