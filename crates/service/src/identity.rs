//! Who is calling a subgraph, established on every request.
//!
//! The router forwards the client's `Authorization: Bearer …` header and every
//! subgraph verifies the JWT itself against the users service's JWKS, so an
//! identity cannot be forged by calling a subgraph directly: an unsigned or
//! badly signed token gets `UNAUTHENTICATED`, and no other header (such as an
//! `X-User-Id` a client made up) is ever read as identity.
//!
//! Resolvers read the result with [`identity`], [`require_user`] and
//! [`require_admin`].

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use async_graphql::Context;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use mart_auth::{JwksOptions, Verifier, VerifierSettings, VerifyError};

pub use mart_auth::{AuthenticatedUser, Identity, Role};

use crate::config::ServiceConfig;
use crate::errors::ApiError;

/// The caller's network address as this service sees it: the last hop the
/// router appended to `X-Forwarded-For`, else the socket's peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

/// The caller's identity; requests that never passed through
/// authentication (a schema executed directly in a test) are anonymous.
pub fn identity<'a>(ctx: &Context<'a>) -> &'a Identity {
    static ANONYMOUS: Identity = Identity::Anonymous;
    ctx.data_opt::<Identity>().unwrap_or(&ANONYMOUS)
}

/// The signed-in user, or `UNAUTHENTICATED`.
pub fn require_user<'a>(ctx: &Context<'a>) -> Result<&'a AuthenticatedUser, ApiError> {
    identity(ctx).user().ok_or(ApiError::Unauthenticated)
}

/// A signed-in staff member: `UNAUTHENTICATED` when anonymous, `FORBIDDEN`
/// for a customer.
pub fn require_admin<'a>(ctx: &Context<'a>) -> Result<&'a AuthenticatedUser, ApiError> {
    let user = require_user(ctx)?;
    if user.is_admin() {
        Ok(user)
    } else {
        Err(ApiError::Forbidden)
    }
}

/// `owner`'s things are visible to `owner` and to staff only.
pub fn require_owner_or_admin<'a>(
    ctx: &Context<'a>,
    owner: uuid::Uuid,
) -> Result<&'a AuthenticatedUser, ApiError> {
    let user = require_user(ctx)?;
    if user.may_access(owner) {
        Ok(user)
    } else {
        Err(ApiError::Forbidden)
    }
}

/// Why a request's credentials were refused, as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Invalid(String),
    /// Verification failed on our side (the keys could not be fetched).
    #[error("cannot verify access tokens right now, try again")]
    Unavailable,
}

impl AuthError {
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Invalid(_) => "UNAUTHENTICATED",
            AuthError::Unavailable => "SERVICE_UNAVAILABLE",
        }
    }
}

/// The verified bearer token a request came with, so that a subgraph can call
/// another one on the caller's behalf (and that one decides what the caller may
/// see). Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessToken(***)")
    }
}

/// The caller's verified token; `None` when anonymous.
pub fn access_token<'a>(ctx: &Context<'a>) -> Option<&'a AccessToken> {
    ctx.data_opt::<AccessToken>()
}

/// The identity `headers` prove: anonymous without `Authorization`, the token's
/// user with a valid bearer token, an error for anything else.
pub async fn authenticate(verifier: &Verifier, headers: &HeaderMap) -> Result<Identity, AuthError> {
    authenticate_bearer(verifier, headers)
        .await
        .map(|(identity, _)| identity)
}

/// [`authenticate`], keeping the verified token (`None` when anonymous).
pub async fn authenticate_bearer(
    verifier: &Verifier,
    headers: &HeaderMap,
) -> Result<(Identity, Option<AccessToken>), AuthError> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok((Identity::Anonymous, None));
    };
    if values.next().is_some() {
        return Err(AuthError::Invalid("send one Authorization header".into()));
    }
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .ok_or_else(|| {
            AuthError::Invalid("expected Authorization: Bearer <access token>".into())
        })?;
    match verifier.verify(token).await {
        Ok(claims) => Identity::from_claims(&claims)
            .map(|identity| (identity, Some(AccessToken(token.to_string()))))
            .ok_or_else(|| AuthError::Invalid(VerifyError::InvalidClaims.to_string())),
        Err(e) if e.is_client_error() => Err(AuthError::Invalid(e.to_string())),
        Err(e) => {
            tracing::error!(error = %e, "cannot verify an access token");
            Err(AuthError::Unavailable)
        }
    }
}

/// The client's address: the right-most `X-Forwarded-For` entry (the one the
/// router, the nearest proxy, appended), else the socket peer. A service that
/// throttles by address (users) first rewrites the header to the address its
/// trusted proxies vouch for (`MART_TRUSTED_PROXIES`), so a client cannot pick
/// its own.
pub fn client_addr(headers: &HeaderMap, peer: Option<SocketAddr>) -> ClientAddr {
    // Only the last hop was written by our proxy; earlier entries are whatever
    // the client sent, so an unreadable last hop does not fall back to them.
    let last_hop = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .next_back();
    match last_hop {
        Some(hop) => ClientAddr(hop.trim().parse::<IpAddr>().ok()),
        None => ClientAddr(peer.map(|p| p.ip())),
    }
}

/// The verifier a subgraph uses: [`ServiceConfig::verifier`] when given, else the users
/// service's JWKS (see [`ServiceConfig::jwks_url`]), fetched lazily and cached.
pub fn verifier_for(config: &ServiceConfig) -> Arc<Verifier> {
    if let Some(verifier) = &config.verifier {
        return verifier.clone();
    }
    Arc::new(Verifier::with_jwks_url(
        verifier_settings(config),
        config.jwks_url(),
        JwksOptions {
            refresh_every: config.auth.jwks_refresh,
            ..JwksOptions::default()
        },
    ))
}

/// What every verifier of this deployment expects of a token.
pub fn verifier_settings(config: &ServiceConfig) -> VerifierSettings {
    VerifierSettings {
        issuer: config.auth.issuer.clone(),
        audience: config.auth.audience.clone(),
        leeway: config.auth.leeway,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_last_forwarded_hop_wins_over_the_socket() {
        let peer: SocketAddr = "10.0.0.9:5000".parse().unwrap();
        let mut headers = HeaderMap::new();
        assert_eq!(client_addr(&headers, Some(peer)).0, Some(peer.ip()));
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.7, 198.51.100.2"),
        );
        assert_eq!(
            client_addr(&headers, Some(peer)).0,
            Some("198.51.100.2".parse().unwrap())
        );
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.7, garbage"),
        );
        assert_eq!(client_addr(&headers, Some(peer)).0, None);
    }

    #[tokio::test]
    async fn only_bearer_tokens_are_read() {
        let verifier = Verifier::with_keys(
            VerifierSettings {
                issuer: "i".into(),
                audience: "a".into(),
                leeway: std::time::Duration::ZERO,
            },
            &mart_auth::JwkSet::default(),
        );
        let mut headers = HeaderMap::new();
        headers.insert("x-user-id", HeaderValue::from_static("forged"));
        assert_eq!(
            authenticate(&verifier, &headers).await,
            Ok(Identity::Anonymous)
        );
        for value in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer a.b.c"] {
            headers.insert(AUTHORIZATION, HeaderValue::from_static(value));
            let err = authenticate(&verifier, &headers).await.unwrap_err();
            assert_eq!(err.code(), "UNAUTHENTICATED", "{value}");
        }
    }

    #[tokio::test]
    async fn a_verified_token_is_kept_and_never_printed() {
        let (key, _) = mart_auth::SigningKey::generate_ed25519().unwrap();
        let issuer = mart_auth::TokenIssuer::new(
            mart_auth::KeySet::new(key),
            mart_auth::TokenSettings {
                issuer: "i".into(),
                audience: "a".into(),
                access_token_ttl: std::time::Duration::from_secs(60),
            },
        );
        let verifier = issuer.local_verifier(std::time::Duration::ZERO);
        let token = issuer
            .issue(uuid::Uuid::now_v7(), Role::Customer)
            .unwrap()
            .token;
        let mut headers = HeaderMap::new();
        assert_eq!(
            authenticate_bearer(&verifier, &headers).await,
            Ok((Identity::Anonymous, None))
        );
        let bearer = format!("Bearer {token}");
        headers.insert(AUTHORIZATION, HeaderValue::from_str(&bearer).unwrap());
        let (identity, kept) = authenticate_bearer(&verifier, &headers).await.unwrap();
        assert!(identity.user().is_some());
        let kept = kept.expect("the token is kept");
        assert_eq!(kept.as_str(), token);
        assert_eq!(format!("{kept:?}"), "AccessToken(***)");
    }
}
