//! The headers a caller's subgraph requests carry: the configured inserted and propagated
//! headers, a child `traceparent`, then identity: the verified `Authorization` (each subgraph
//! verifies it again; nothing else is read as identity) and the client's address appended to
//! `X-Forwarded-For` (the users service rate-limits logins by its right-most hop).
//!
//! These headers are part of the in-flight deduplication key (it hashes every header), so two
//! callers never share a subgraph response.
use hyper::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};

use crate::auth::{Caller, RequestIdentity};
use crate::config::HeaderRules;
use crate::execution::SubgraphHeaders;

/// Propagation rules, then identity.
pub fn for_caller(
    rules: &HeaderRules,
    inserted: &HeaderMap,
    client_headers: &HeaderMap,
    identity: &RequestIdentity,
) -> SubgraphHeaders {
    let mut headers = build_subgraph_headers(rules, inserted, client_headers);
    add_identity_headers(&mut headers, identity, client_headers);
    headers
}

/// Builds the headers subgraph requests carry for this client request.
pub fn build_subgraph_headers(
    rules: &HeaderRules,
    inserted: &HeaderMap,
    client_headers: &HeaderMap,
) -> SubgraphHeaders {
    let mut common = inserted.clone();
    for name in &rules.propagate {
        for value in client_headers.get_all(name.as_str()) {
            if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
                common.append(name, value.clone());
            }
        }
    }
    let per_subgraph = rules
        .propagate_per_subgraph
        .iter()
        .map(|(subgraph, names)| {
            let mut headers = common.clone();
            for name in names {
                if let (Ok(header), Some(value)) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    client_headers.get(name.as_str()),
                ) {
                    headers.insert(header, value.clone());
                }
            }
            (subgraph.clone(), headers)
        })
        .collect();
    SubgraphHeaders {
        common,
        per_subgraph,
        traceparent: crate::trace::child_traceparent(client_headers.get("traceparent")),
    }
}

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

fn add_identity_headers(
    headers: &mut SubgraphHeaders,
    identity: &RequestIdentity,
    client_headers: &HeaderMap,
) {
    let forwarded_for = identity
        .client_ip
        .and_then(|ip| forwarded_for(client_headers, ip));
    let maps = std::iter::once(&mut headers.common).chain(headers.per_subgraph.values_mut());
    for map in maps {
        match &identity.caller {
            Caller::User { authorization, .. } => {
                map.insert(AUTHORIZATION, authorization.clone());
            }
            // An unverified credential must not travel on with the router's requests, even when
            // `headers.propagate` lists `authorization`.
            Caller::Anonymous => {
                map.remove(AUTHORIZATION);
            }
            Caller::Unchecked => {}
        }
        if let Some(value) = &forwarded_for {
            map.insert(X_FORWARDED_FOR, value.clone());
        }
    }
}

/// The client's `X-Forwarded-For` chain with the socket peer appended as the last hop.
fn forwarded_for(client_headers: &HeaderMap, ip: std::net::IpAddr) -> Option<HeaderValue> {
    let earlier: Vec<&str> = client_headers
        .get_all(&X_FORWARDED_FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    let mut chain = earlier.join(", ");
    if !chain.is_empty() {
        chain.push_str(", ");
    }
    chain.push_str(&ip.to_string());
    HeaderValue::from_str(&chain).ok()
}
