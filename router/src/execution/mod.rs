//! Executes a query plan: Sequence runs in order, Parallel concurrently (on the request's
//! task, so the shared data needs only an uncontended lock), Condition on a boolean variable,
//! Fetch/Flatten/BatchFetch through the subgraph client.
mod data;
mod fetch;

use std::collections::HashMap;
use std::sync::Mutex;

use futures::FutureExt;
use futures::future::{BoxFuture, join_all};
use hive_router_query_planner::planner::plan_nodes::{PlanNode, QueryPlan};
use hyper::header::{HeaderMap, HeaderValue};
use serde_json::Map;

use crate::json::{Object, Value};

use crate::graphql_error::{GraphQLError, codes};
use crate::schema::Supergraph;
use crate::subgraph::client::SubgraphClient;

/// Headers added to subgraph requests for one client request.
#[derive(Default)]
pub struct SubgraphHeaders {
    pub common: HeaderMap,
    /// Complete header sets for subgraphs with extra propagation rules.
    pub per_subgraph: HashMap<String, HeaderMap>,
    pub traceparent: Option<HeaderValue>,
}

impl SubgraphHeaders {
    pub fn for_subgraph(&self, subgraph: &str) -> &HeaderMap {
        self.per_subgraph.get(subgraph).unwrap_or(&self.common)
    }
}

/// Everything a plan's execution reads, plus the data and errors it accumulates.
pub struct ExecutionContext<'a> {
    pub supergraph: &'a Supergraph,
    pub client: &'a SubgraphClient,
    pub variables: &'a Map<String, serde_json::Value>,
    pub headers: &'a SubgraphHeaders,
    /// Share identical in-flight subgraph requests (false for mutations).
    pub deduplicate: bool,
    /// The data came from a subscription event: the plan's Subscription node (whose fetch
    /// produced the event) is skipped and the rest of the plan runs on top of it.
    from_event: bool,
    state: Mutex<ExecutionState>,
}

pub struct ExecutionState {
    pub data: Value,
    pub errors: Vec<GraphQLError>,
}

impl<'a> ExecutionContext<'a> {
    pub fn new(
        supergraph: &'a Supergraph,
        client: &'a SubgraphClient,
        variables: &'a Map<String, serde_json::Value>,
        headers: &'a SubgraphHeaders,
        deduplicate: bool,
    ) -> Self {
        ExecutionContext {
            supergraph,
            client,
            variables,
            headers,
            deduplicate,
            from_event: false,
            state: Mutex::new(ExecutionState {
                data: Value::Object(Object::new()),
                errors: Vec::new(),
            }),
        }
    }

    /// A context for one subscription event: merge the event with
    /// [`merge_root_response`](Self::merge_root_response), then [`execute`](Self::execute)
    /// the subscription's plan.
    pub fn for_subscription_event(mut self) -> Self {
        self.from_event = true;
        self
    }

    pub async fn execute(self, plan: &QueryPlan) -> ExecutionState {
        if let Some(node) = &plan.node {
            self.node(node).await;
        }
        self.state.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    pub fn into_state(self) -> ExecutionState {
        self.state.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ExecutionState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn node<'n>(&'n self, node: &'n PlanNode) -> BoxFuture<'n, ()> {
        async move {
            match node {
                PlanNode::Fetch(fetch) => self.root_fetch(fetch).await,
                PlanNode::Flatten(flatten) => match flatten.node.as_ref() {
                    PlanNode::Fetch(fetch) => self.flatten_fetch(&flatten.path, fetch).await,
                    other => self.node(other).await,
                },
                PlanNode::BatchFetch(batch) => self.batch_fetch(batch).await,
                PlanNode::Sequence(sequence) => {
                    for child in &sequence.nodes {
                        self.node(child).await;
                    }
                }
                PlanNode::Parallel(parallel) => {
                    join_all(parallel.nodes.iter().map(|child| self.node(child))).await;
                }
                PlanNode::Condition(condition) => {
                    let truthy = self
                        .variables
                        .get(&condition.condition)
                        .and_then(serde_json::Value::as_bool)
                        .unwrap_or(false);
                    let branch = if truthy {
                        &condition.if_clause
                    } else {
                        &condition.else_clause
                    };
                    if let Some(branch) = branch {
                        self.node(branch).await;
                    }
                }
                PlanNode::Subscription(_) if self.from_event => {}
                PlanNode::Subscription(_) | PlanNode::Defer(_) => {
                    self.lock().errors.push(GraphQLError::with_code(
                        "Subscriptions and @defer are not supported by this endpoint.",
                        codes::UNSUPPORTED_OPERATION,
                    ));
                }
            }
        }
        .boxed()
    }
}
