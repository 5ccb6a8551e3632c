//! HTTP around the GraphQL endpoint: `GET /.well-known/jwks.json`, the public
//! keys every verifier fetches, and who the client is.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mart_auth::{JWKS_PATH, JwkSet};
use mart_service::config::IpRange;

pub fn jwks_routes(jwks: JwkSet) -> Router {
    let body = Arc::new(serde_json::to_string(&jwks).expect("a JWKS serializes"));
    Router::new().route(
        JWKS_PATH,
        get(move || {
            let body = body.clone();
            async move {
                (
                    [
                        (header::CONTENT_TYPE, "application/jwk-set+json"),
                        // Verifiers cache it anyway; this lets HTTP caches help.
                        (header::CACHE_CONTROL, "public, max-age=300"),
                    ],
                    body.as_str().to_owned(),
                )
                    .into_response()
            }
        }),
    )
}

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// `routes` with the client address resolved first: the shared GraphQL
/// handler takes the right-most `X-Forwarded-For` entry as the client (which
/// anyone can write), so this layer replaces the header with the one address
/// [`client_address`] believes, or with `unknown` when it cannot tell.
pub fn resolve_client(routes: Router, trusted_proxies: &[IpRange]) -> Router {
    let trusted: Arc<[IpRange]> = trusted_proxies.into();
    routes.layer(middleware::from_fn_with_state(
        trusted,
        rewrite_forwarded_for,
    ))
}

async fn rewrite_forwarded_for(
    State(trusted): State<Arc<[IpRange]>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let client = client_address(peer, request.headers(), &trusted);
    let value = client
        .and_then(|ip| HeaderValue::from_str(&ip.to_string()).ok())
        .unwrap_or(HeaderValue::from_static("unknown"));
    let headers = request.headers_mut();
    headers.remove(X_FORWARDED_FOR);
    headers.insert(X_FORWARDED_FOR, value);
    next.run(request).await
}

/// The client's address. A peer that is not a trusted proxy is the client,
/// whatever it says in `X-Forwarded-For`. From a trusted proxy, the
/// `X-Forwarded-For` chain is walked from the right (each proxy appends whom it
/// heard from) past every trusted hop: the first untrusted one is the client;
/// if all are trusted, the left-most. `None` when the peer is unknown or a hop
/// that would decide is not an address.
pub fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[IpRange],
) -> Option<IpAddr> {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|range| range.contains(ip));
    let mut client = peer?.to_canonical();
    if !is_trusted(client) {
        return Some(client);
    }
    let mut hops = Vec::new();
    for value in headers.get_all(X_FORWARDED_FOR) {
        match value.to_str() {
            Ok(list) => hops.extend(
                list.split(',')
                    .map(str::trim)
                    .filter(|hop| !hop.is_empty())
                    .map(parse_hop),
            ),
            Err(_) => hops.push(None),
        }
    }
    for hop in hops.into_iter().rev() {
        client = hop?;
        if !is_trusted(client) {
            break;
        }
    }
    Some(client)
}

/// An address as proxies write it: `203.0.113.7`, `2001:db8::1`, or with a
/// port (`203.0.113.7:4711`, `[2001:db8::1]:4711`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(list: &[&str]) -> Vec<IpRange> {
        list.iter().map(|r| r.parse().unwrap()).collect()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(X_FORWARDED_FOR, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted = ranges(&["127.0.0.0/8", "::1"]);
        for values in [
            &[][..],
            &["198.51.100.4"],
            &["10.0.0.1, 127.0.0.1"],
            &["garbage"],
        ] {
            assert_eq!(
                client_address(ip("203.0.113.9"), &forwarded(values), &trusted),
                ip("203.0.113.9"),
                "{values:?}"
            );
        }
        let none = ranges(&[]);
        assert_eq!(
            client_address(ip("127.0.0.1"), &forwarded(&["198.51.100.4"]), &none),
            ip("127.0.0.1"),
            "no trusted proxies: every header is ignored"
        );
        assert_eq!(
            client_address(None, &forwarded(&["198.51.100.4"]), &trusted),
            None
        );
    }

    #[test]
    fn trusted_hops_are_skipped_from_the_right() {
        let trusted = ranges(&["127.0.0.0/8", "10.0.0.0/8"]);
        let router = ip("127.0.0.1");
        let client = |values: &[&str]| client_address(router, &forwarded(values), &trusted);
        // The router's own request, and a client of the router on its host.
        assert_eq!(client(&[]), router);
        assert_eq!(client(&["127.0.0.1"]), router);
        // The router appended the client; what the client wrote before is not read.
        assert_eq!(client(&["192.0.2.66, 198.51.100.4"]), ip("198.51.100.4"));
        // A load balancer in between appended the client, the router appended it.
        assert_eq!(
            client(&["192.0.2.66, 198.51.100.4, 10.1.2.3"]),
            ip("198.51.100.4")
        );
        assert_eq!(
            client(&["192.0.2.66", "198.51.100.4", "10.1.2.3"]),
            ip("198.51.100.4")
        );
        // A forged trusted-looking entry left of a real client changes nothing.
        assert_eq!(
            client(&["10.9.9.9, 198.51.100.4, 10.1.2.3"]),
            ip("198.51.100.4")
        );
        assert_eq!(client(&["[2001:db8::7]:4711, 10.1.2.3"]), ip("2001:db8::7"));
        assert_eq!(client(&["::ffff:198.51.100.4"]), ip("198.51.100.4"));
        // Unreadable where it decides: unknown (not the proxy, one shared bucket).
        assert_eq!(client(&["198.51.100.4, garbage"]), None);
        assert_eq!(client(&["garbage, 198.51.100.4"]), ip("198.51.100.4"));
        // An IPv4-mapped peer is its IPv4 address.
        assert_eq!(
            client_address(
                ip("::ffff:127.0.0.1"),
                &forwarded(&["198.51.100.4"]),
                &trusted
            ),
            ip("198.51.100.4")
        );
    }
}
