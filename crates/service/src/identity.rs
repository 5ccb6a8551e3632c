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

use std::sync::Arc;

use async_graphql::Context;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use mart_auth::{JwksOptions, Verifier, VerifierSettings, VerifyError};

pub use mart_auth::{AuthenticatedUser, Identity, Role};

use crate::config::ServiceConfig;
use crate::errors::ApiError;

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
