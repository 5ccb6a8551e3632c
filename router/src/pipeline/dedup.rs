//! Dedup: identical queries in flight at the same time share one execution. Whatever could
//! change the answer is in the key: the prepared operation (query text and operation name,
//! within one supergraph generation), the plan the caller's permissions left, the coerced
//! variables, and every header that reaches a subgraph, which carries the caller's verified
//! token and, in `X-Forwarded-For`, its address. Mutations and subscriptions never share.
use std::sync::Arc;

use super::request::ReadyOperation;
use crate::execution::SubgraphHeaders;
use crate::graphql_error::GraphQLError;
use crate::inflight::{Key, KeyBuilder};

/// One execution's answer: the `data` JSON and the errors.
pub type Answer = Arc<(Vec<u8>, Vec<GraphQLError>)>;

/// Two requests with equal keys get the same answer.
pub fn request_key(ready: &ReadyOperation, headers: &SubgraphHeaders) -> Key {
    let mut key = KeyBuilder::with_capacity(256);
    // While a request is in flight it holds these, so an address cannot be reused by
    // another operation or plan until its entry is gone.
    let plan = ready
        .filtered_plan
        .as_ref()
        .map_or(0, |plan| Arc::as_ptr(plan) as usize);
    for id in [
        Arc::as_ptr(&ready.generation) as usize,
        Arc::as_ptr(&ready.prepared) as usize,
        plan,
    ] {
        key.part(&id.to_le_bytes());
    }
    // Variables are a JSON object of coerced values: writing it cannot fail.
    key.part(&serde_json::to_vec(&ready.variables).unwrap_or_default())
        .headers(&headers.common);
    let mut per_subgraph: Vec<_> = headers.per_subgraph.iter().collect();
    per_subgraph.sort_by(|a, b| a.0.cmp(b.0));
    for (subgraph, map) in per_subgraph {
        key.part(subgraph.as_bytes()).headers(map);
    }
    key.finish()
}
