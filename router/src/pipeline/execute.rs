//! Execute: run the plan's subgraph fetches, then answer the root introspection fields the
//! router owns.
use serde_json::{Map, Value};

use super::generation::{Generation, PreparedOperation};
use super::request::ReadyOperation;
use crate::execution::{ExecutionContext, ExecutionState, SubgraphHeaders};
use crate::operation::collect_fields;
use crate::schema::index::OperationType;
use crate::subgraph::client::SubgraphClient;

pub async fn execute(
    ready: &ReadyOperation,
    client: &SubgraphClient,
    headers: &SubgraphHeaders,
    deduplicate_queries: bool,
) -> ExecutionState {
    let prepared = &ready.prepared;
    let context = ExecutionContext::new(
        ready.supergraph(),
        client,
        &ready.variables,
        headers,
        deduplicate_queries && prepared.operation.kind == OperationType::Query,
    );
    let mut executed = match ready.plan() {
        Some(plan) => context.execute(plan).await,
        None => context.into_state(),
    };
    if prepared.has_introspection {
        answer_introspection(&ready.generation, prepared, &ready.variables, &mut executed);
    }
    executed
}

fn answer_introspection(
    generation: &Generation,
    prepared: &PreparedOperation,
    variables: &Map<String, Value>,
    executed: &mut ExecutionState,
) {
    let operation = &prepared.operation;
    let index = &generation.supergraph.index;
    let groups = collect_fields(
        &[&operation.selection],
        &operation.root_type,
        index,
        variables,
    );
    let crate::json::Value::Object(data) = &mut executed.data else {
        return;
    };
    for (key, fields) in groups {
        if matches!(fields[0].name.as_str(), "__schema" | "__type") {
            let value = generation
                .introspection
                .resolve_root_field(&fields, index, variables);
            data.insert(key, value.into());
        }
    }
}
