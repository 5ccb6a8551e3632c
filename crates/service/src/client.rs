//! Who the client is, by network address: what throttles count (the users service's
//! sign-in and registration limits). The peer of the socket, unless it is a trusted proxy
//! (`MART_TRUSTED_PROXIES`: the router, a load balancer), whose `X-Forwarded-For` is then
//! read past every trusted hop. Anyone can write that header, so it is never believed from
//! anyone else. Every service resolves it the same way ([`crate::Bootstrap::serve`]).
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName};
use axum::middleware::{self, Next};
use axum::response::Response;

use crate::config::IpRange;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The caller's network address as [`client_address`] resolved it; `None` when it cannot
/// tell. In the request's extensions and in the GraphQL request data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

/// `routes` with each request's [`ClientAddr`] resolved from its peer and `trusted` proxies.
pub fn resolve(routes: Router, trusted_proxies: &[IpRange]) -> Router {
    let trusted: Arc<[IpRange]> = trusted_proxies.into();
    routes.layer(middleware::from_fn_with_state(trusted, resolve_request))
}

async fn resolve_request(
    State(trusted): State<Arc<[IpRange]>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = peer(&request);
    let client = ClientAddr(client_address(peer, request.headers(), &trusted));
    request.extensions_mut().insert(client);
    next.run(request).await
}

/// What [`resolve`] found, or the socket's peer where no proxy is trusted (routes served
/// without it, as in a test).
pub fn of(request: &Request) -> ClientAddr {
    request
        .extensions()
        .get::<ClientAddr>()
        .copied()
        .unwrap_or_else(|| ClientAddr(peer(request)))
}

fn peer(request: &Request) -> Option<IpAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
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
    use axum::http::HeaderValue;

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
