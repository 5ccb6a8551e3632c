//! Runs one subscription, whatever the client's transport: opens the owning subgraph's stream
//! with the plan's primary fetch, and for every event runs the rest of the plan (entity
//! fetches to other subgraphs) on top of the event's data and shapes the response exactly as
//! the client selected it. Events are handled one after another, so each client gets them in
//! the subgraph's order.
use std::future::pending;

use hive_router_query_planner::planner::plan_nodes::{FetchNode, PlanNode, QueryPlan};
use serde_json::{Map, Value};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::auth::verify::codes as auth_codes;
use crate::execution::{ExecutionContext, SubgraphHeaders};
use crate::graphql_error::{GraphQLError, codes};
use crate::pipeline::{self, ReadyOperation};
use crate::response::body::data_body;
use crate::state::RouterState;
use crate::subgraph::response::SubgraphResponse;
use crate::subgraph::websocket::{self as upstream, UpstreamEvent, UpstreamRequest};

/// Why a response could not be handed to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmitError {
    /// The client's queue is full: it is not reading.
    Full,
    /// The client is gone.
    Closed,
}

/// Hands one response (the JSON of `{"data":…,"errors":[…]}`) to the client's transport.
pub type Emit<'a> = dyn FnMut(Vec<u8>) -> Result<(), EmitError> + Send + 'a;

/// How a subscription ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The stream is over: the subgraph completed it, or it failed and the client got the
    /// errors in a last response. The transport sends its `complete`.
    Completed,
    /// The client stopped it or left, or the router is shutting down.
    Cancelled,
    /// The client's queue was full; the transport drops the client.
    TooSlow,
    /// The caller's access token expired; the client got an `UNAUTHENTICATED` response.
    Expired,
}

/// One subscription to run.
pub struct Subscription<'a> {
    pub state: &'a RouterState,
    pub ready: &'a ReadyOperation,
    pub headers: &'a SubgraphHeaders,
    pub cancel: &'a CancellationToken,
    /// When the caller's token expires (HTTP streams; a WebSocket closes itself instead).
    pub expires: Option<Instant>,
}

pub async fn run(subscription: Subscription<'_>, emit: &mut Emit<'_>) -> Ended {
    let Subscription {
        state,
        ready,
        headers,
        cancel,
        expires,
    } = subscription;
    let found = ready.plan().and_then(|plan| {
        let primary = primary_fetch(plan.node.as_ref()?, &ready.variables)?;
        Some((plan, primary))
    });
    let Some((plan, primary)) = found else {
        // Nothing to subscribe to (the root field is denied to the caller, or skipped): the
        // one response says why.
        let (data, errors) = pipeline::execute_with(&state.pipeline, ready, headers).await;
        return deliver_last(emit, data_body(data, &errors));
    };
    let service = primary.service_name.as_str();
    let Some((url, timeout)) = ready
        .supergraph()
        .endpoints
        .get(service)
        .and_then(|e| Some((e.uri.as_ref()?, e.timeout)))
    else {
        let error = GraphQLError::with_code(
            format!("Subgraph '{service}' has no usable URL."),
            codes::SUBGRAPH_REQUEST_FAILED,
        );
        return fail(emit, vec![error]);
    };
    let payload = context(state, ready, headers).request_body(
        &primary.operation.document_str,
        primary.variable_usages.as_ref(),
        &[],
    );
    let open = upstream::open(UpstreamRequest {
        service,
        url,
        headers: headers.for_subgraph(service),
        traceparent: headers.traceparent.as_ref(),
        payload: &payload,
        timeout,
        keepalive: state.pipeline.config.subscriptions.keepalive_interval(),
        signer: state.pipeline.config.subgraph_signer.as_ref(),
        tls: &state.pipeline.tls,
    });
    let metrics = &state.pipeline.metrics.subscriptions;
    let mut upstream = tokio::select! {
        biased;
        _ = cancel.cancelled() => return Ended::Cancelled,
        _ = expiry(expires) => return expired(emit),
        opened = open => match opened {
            Ok(upstream) => upstream,
            Err(error) => {
                metrics.upstream_failures.increment(1);
                return fail(emit, vec![error]);
            }
        },
    };
    loop {
        let event = tokio::select! {
            biased;
            _ = cancel.cancelled() => {
                upstream.complete().await;
                return Ended::Cancelled;
            }
            _ = expiry(expires) => {
                upstream.complete().await;
                return expired(emit);
            }
            event = upstream.next() => event,
        };
        match event {
            UpstreamEvent::Next(response) => {
                let body = event_response(state, ready, headers, plan, primary, response).await;
                match emit(body) {
                    Ok(()) => {
                        metrics.events.increment(1);
                    }
                    Err(error) => {
                        upstream.complete().await;
                        return ended_by(error);
                    }
                }
            }
            UpstreamEvent::Complete => {
                upstream.complete().await;
                return Ended::Completed;
            }
            UpstreamEvent::Failed(errors) => {
                if errors
                    .iter()
                    .any(|e| e.code() == Some(codes::SUBSCRIPTION_UPSTREAM_CLOSED))
                {
                    metrics.upstream_failures.increment(1);
                }
                upstream.complete().await;
                return fail(emit, errors);
            }
        }
    }
}

/// The plan's subscription fetch: the one under its Subscription node.
fn primary_fetch<'p>(node: &'p PlanNode, variables: &Map<String, Value>) -> Option<&'p FetchNode> {
    match node {
        PlanNode::Subscription(subscription) => Some(&subscription.primary),
        PlanNode::Sequence(sequence) => sequence
            .nodes
            .iter()
            .find_map(|n| primary_fetch(n, variables)),
        PlanNode::Parallel(parallel) => parallel
            .nodes
            .iter()
            .find_map(|n| primary_fetch(n, variables)),
        PlanNode::Condition(condition) => {
            let truthy = variables
                .get(&condition.condition)
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let branch = if truthy {
                &condition.if_clause
            } else {
                &condition.else_clause
            };
            primary_fetch(branch.as_deref()?, variables)
        }
        _ => None,
    }
}

fn context<'a>(
    state: &'a RouterState,
    ready: &'a ReadyOperation,
    headers: &'a SubgraphHeaders,
) -> ExecutionContext<'a> {
    ExecutionContext::new(
        ready.supergraph(),
        &state.pipeline.client,
        &ready.variables,
        headers,
        // Many clients of one event ask the same entities at once: share those requests.
        state.pipeline.config.deduplicate_subgraph_requests,
    )
}

/// The client's response to one event: the rest of the plan run on the event's data, shaped.
async fn event_response(
    state: &RouterState,
    ready: &ReadyOperation,
    headers: &SubgraphHeaders,
    plan: &QueryPlan,
    primary: &FetchNode,
    event: SubgraphResponse,
) -> Vec<u8> {
    let context = context(state, ready, headers).for_subscription_event();
    context.merge_root_response(primary, event);
    let (data, errors) = pipeline::respond(ready, context.execute(plan).await);
    data_body(data, &errors)
}

/// Resolves at `at`; never without one.
pub(super) async fn expiry(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => pending().await,
    }
}

fn expired(emit: &mut Emit<'_>) -> Ended {
    let error = GraphQLError::with_code(
        "The access token expired; subscribe again with a fresh one.",
        auth_codes::UNAUTHENTICATED,
    );
    let _ = emit(data_body(b"null".to_vec(), &[error]));
    Ended::Expired
}

/// Ends the stream with `errors` in a last response.
fn fail(emit: &mut Emit<'_>, errors: Vec<GraphQLError>) -> Ended {
    deliver_last(emit, data_body(b"null".to_vec(), &errors))
}

fn deliver_last(emit: &mut Emit<'_>, body: Vec<u8>) -> Ended {
    match emit(body) {
        Ok(()) => Ended::Completed,
        Err(error) => ended_by(error),
    }
}

fn ended_by(error: EmitError) -> Ended {
    match error {
        EmitError::Full => Ended::TooSlow,
        EmitError::Closed => Ended::Cancelled,
    }
}
