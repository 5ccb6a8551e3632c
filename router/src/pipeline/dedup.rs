//! Dedup: identical queries in flight at the same time share one execution. Whatever could
//! change the answer is in the key: the prepared operation (query text and operation name,
//! within one supergraph generation), the plan the caller's permissions left, the coerced
//! variables, and every header that reaches a subgraph, which carries the caller's verified
//! token and, in `X-Forwarded-For`, its address. Mutations and subscriptions never share.
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use xxhash_rust::xxh3::Xxh3;

use super::request::ReadyOperation;
use crate::execution::SubgraphHeaders;
use crate::graphql_error::GraphQLError;

/// One execution's answer: the `data` JSON and the errors.
pub type Answer = Arc<(Vec<u8>, Vec<GraphQLError>)>;

/// Two requests with equal keys get the same answer. Hashed once; compared in full.
#[derive(Clone, PartialEq, Eq)]
pub struct RequestKey {
    hash: u64,
    bytes: Vec<u8>,
}

impl Hash for RequestKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl RequestKey {
    pub fn of(ready: &ReadyOperation, headers: &SubgraphHeaders) -> RequestKey {
        let mut bytes = Vec::with_capacity(256);
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
            bytes.extend_from_slice(&id.to_le_bytes());
        }
        let mut put = |part: &[u8]| {
            bytes.extend_from_slice(&(part.len() as u32).to_le_bytes());
            bytes.extend_from_slice(part);
        };
        // Variables are a JSON object of coerced values: writing it cannot fail.
        put(&serde_json::to_vec(&ready.variables).unwrap_or_default());
        put_headers(&mut put, &headers.common);
        let mut per_subgraph: Vec<_> = headers.per_subgraph.iter().collect();
        per_subgraph.sort_by(|a, b| a.0.cmp(b.0));
        for (subgraph, map) in per_subgraph {
            put(subgraph.as_bytes());
            put_headers(&mut put, map);
        }
        let mut hasher = Xxh3::new();
        hasher.write(&bytes);
        RequestKey {
            hash: hasher.finish(),
            bytes,
        }
    }
}

fn put_headers(put: &mut impl FnMut(&[u8]), headers: &hyper::HeaderMap) {
    put(&(headers.len() as u32).to_le_bytes());
    for (name, value) in headers {
        put(name.as_str().as_bytes());
        put(value.as_bytes());
    }
}
