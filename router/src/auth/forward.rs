//! The identity headers subgraph requests carry: the verified `Authorization` (each subgraph
//! verifies it again; nothing else is read as identity) and the client's address appended to
//! `X-Forwarded-For` (the users service rate-limits logins by its right-most hop).
//!
//! These headers are part of the in-flight deduplication key (it hashes every header), so two
//! callers never share a subgraph response.
use hyper::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};

use super::{Caller, RequestIdentity};
use crate::execution::SubgraphHeaders;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

pub fn add_identity_headers(
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
