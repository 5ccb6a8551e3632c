//! The request pipeline, one file per stage; this module only orchestrates them.
//!
//! [`prepare_request`]: parse → limits → validate → plan (these four cached together per
//! [`Generation`], in `prepare`) → variables → cost → authorize. Every transport (HTTP,
//! WebSocket, SSE, multipart) goes through it; subscriptions then stream (the `subscription`
//! module).
//!
//! [`execute`]: headers → dedup (queries) → execute → respond.
mod authorize;
mod cost;
mod dedup;
mod execute;
pub mod generation;
mod headers;
pub mod limits;
mod parse;
mod plan;
pub mod prepare;
mod request;
mod respond;
mod validate;
pub mod variables;

use std::sync::Arc;

use hyper::header::HeaderMap;

pub use generation::{Generation, Generations};
pub use request::{GraphQLRequest, ReadyOperation, Refusal, Stop, subscription_needs_streaming};
pub use respond::respond;

use crate::auth::RequestIdentity;
use crate::config::RouterConfig;
use crate::execution::SubgraphHeaders;
use crate::graphql_error::GraphQLError;
use crate::inflight::{InFlight, Key, Role};
use crate::metrics::Metrics;
use crate::schema::index::OperationType;
use crate::subgraph::client::SubgraphClient;

/// What every request's pipeline shares: the configuration, the current generation, the
/// subgraph client and the metrics it counts into.
pub struct Pipeline {
    pub config: Arc<RouterConfig>,
    pub generations: Arc<Generations>,
    pub client: SubgraphClient,
    /// TLS for `https://` subgraphs and their `wss://` subscriptions.
    pub tls: Arc<rustls::ClientConfig>,
    pub metrics: Arc<Metrics>,
    /// `headers.insert` from the configuration, parsed once.
    inserted_headers: HeaderMap,
    /// Queries in flight, for `deduplicate_requests`.
    queries_in_flight: InFlight<Key, dedup::Answer>,
}

impl Pipeline {
    pub fn new(
        config: Arc<RouterConfig>,
        generation: Generation,
        metrics: Arc<Metrics>,
        inserted_headers: HeaderMap,
        tls: Arc<rustls::ClientConfig>,
    ) -> Pipeline {
        Pipeline {
            client: SubgraphClient::new(
                config.pool_max_idle_per_host,
                metrics.clone(),
                config.subgraph_signer.clone(),
                tls.clone(),
            ),
            tls,
            generations: Arc::new(Generations::new(generation)),
            config,
            metrics,
            inserted_headers,
            queries_in_flight: InFlight::default(),
        }
    }
}

/// parse → limits → validate → plan (cached) → variables → cost → authorize.
pub async fn prepare_request(
    pipeline: &Pipeline,
    mut request: GraphQLRequest,
    identity: &RequestIdentity,
    is_get: bool,
) -> Result<ReadyOperation, Stop> {
    let query = request::query_text(&mut request)?;
    let generation = pipeline.generations.current();
    let operation_name = request.operation_name.filter(|n| !n.is_empty());
    let prepared = prepare::prepared_operation(
        &pipeline.config,
        &pipeline.metrics,
        &generation,
        &query,
        operation_name.as_deref(),
    )
    .await?;
    let operation = &prepared.operation;
    // A subscription over GET is fine for a streaming answer (EventSource can only GET).
    if is_get && operation.kind == OperationType::Mutation {
        return Err(Stop::Refused(Refusal::MutationOverGet));
    }
    let variables = variables::coerce(
        operation,
        request.variables.unwrap_or_default(),
        &generation.supergraph.index,
    )?;
    cost::check(
        operation,
        &variables,
        &generation.supergraph.index,
        &pipeline.config.limits,
    )?;
    let denied = authorize::denials(&prepared, identity);
    let filtered_plan = if denied.is_empty() {
        None
    } else {
        Some(
            authorize::filtered_plan(
                &generation,
                &pipeline.config,
                &query,
                operation_name.as_deref(),
                &denied,
                &identity.caller,
            )
            .await?,
        )
    };
    Ok(ReadyOperation {
        generation,
        prepared,
        variables,
        denied,
        filtered_plan,
    })
}

/// The headers this caller's subgraph requests carry: propagation rules, then identity.
pub fn subgraph_headers(
    pipeline: &Pipeline,
    client_headers: &HeaderMap,
    identity: &RequestIdentity,
) -> SubgraphHeaders {
    headers::for_caller(
        &pipeline.config.headers,
        &pipeline.inserted_headers,
        client_headers,
        identity,
    )
}

/// Executes a query or mutation once: the `data` JSON and the errors.
pub async fn execute(
    pipeline: &Pipeline,
    ready: &ReadyOperation,
    client_headers: &HeaderMap,
    identity: &RequestIdentity,
) -> (Vec<u8>, Vec<GraphQLError>) {
    let headers = subgraph_headers(pipeline, client_headers, identity);
    execute_with(pipeline, ready, &headers).await
}

/// Runs the plan with these subgraph headers and shapes the result; a query identical to
/// one in flight (see `dedup`) gets that one's answer instead.
pub async fn execute_with(
    pipeline: &Pipeline,
    ready: &ReadyOperation,
    headers: &SubgraphHeaders,
) -> (Vec<u8>, Vec<GraphQLError>) {
    if !(pipeline.config.deduplicate_requests && ready.kind() == OperationType::Query) {
        return execute_once(pipeline, ready, headers).await;
    }
    let key = dedup::request_key(ready, headers);
    let (answer, role) = pipeline
        .queries_in_flight
        .run(key, || async {
            Arc::new(execute_once(pipeline, ready, headers).await)
        })
        .await;
    if role == Role::Follower {
        pipeline.metrics.requests_deduplicated.increment(1);
    }
    Arc::try_unwrap(answer).unwrap_or_else(|shared| (*shared).clone())
}

async fn execute_once(
    pipeline: &Pipeline,
    ready: &ReadyOperation,
    headers: &SubgraphHeaders,
) -> (Vec<u8>, Vec<GraphQLError>) {
    let executed = execute::execute(
        ready,
        &pipeline.client,
        headers,
        pipeline.config.deduplicate_subgraph_requests,
    )
    .await;
    respond::respond(ready, executed)
}
