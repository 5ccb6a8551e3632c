//! Verifies the `Authorization: Bearer` header of each GraphQL request (the middleware in
//! `http/authenticate.rs` runs it on `/graphql`): a valid token becomes a [`Caller::User`], no header an anonymous caller, and
//! anything else an HTTP 401 `UNAUTHENTICATED` answer before the body is even read.
use std::time::Duration;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use hyper::StatusCode;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, WWW_AUTHENTICATE};
use mart_auth::{JwksOptions, Verifier, VerifierSettings, VerifyError};

use super::Caller;
use crate::config::AuthConfig;
use crate::graphql_error::GraphQLError;

pub mod codes {
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    /// The signing keys could not be fetched: our failure, not the client's (HTTP 503).
    pub const AUTH_KEYS_UNAVAILABLE: &str = "AUTH_KEYS_UNAVAILABLE";
}

/// `None` when authentication is off.
pub struct Authenticator {
    verifier: Option<Verifier>,
}

/// Why a request was refused before execution.
#[derive(Debug, thiserror::Error)]
pub enum AuthFailure {
    #[error("The Authorization header must be \"Bearer <access token>\".")]
    NotBearer,
    #[error("Invalid access token: {0}.")]
    Invalid(VerifyError),
    #[error("Access tokens cannot be verified right now; try again later.")]
    KeysUnavailable,
}

impl Authenticator {
    pub fn from_config(config: &AuthConfig) -> Authenticator {
        let verifier = config.jwks_url.as_ref().map(|url| {
            let settings = VerifierSettings {
                issuer: config.issuer().to_string(),
                audience: config.audience().to_string(),
                leeway: Duration::from_secs(config.leeway_secs),
            };
            Verifier::with_jwks_url(settings, url.clone(), JwksOptions::default())
        });
        Authenticator { verifier }
    }

    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Caller, AuthFailure> {
        self.authenticate_header(headers.get(AUTHORIZATION)).await
    }

    /// Verifies one `Authorization` value (WebSockets take it from `connection_init`).
    pub async fn authenticate_header(
        &self,
        header: Option<&HeaderValue>,
    ) -> Result<Caller, AuthFailure> {
        let Some(verifier) = &self.verifier else {
            return Ok(Caller::Unchecked);
        };
        let Some(header) = header else {
            return Ok(Caller::Anonymous);
        };
        let token = bearer_token(header).ok_or(AuthFailure::NotBearer)?;
        match verifier.verify(token).await {
            Ok(claims) => Ok(Caller::User {
                scopes: claims.scopes().map(str::to_string).collect(),
                authorization: header.clone(),
                expires_at: claims.exp,
            }),
            Err(error) if error.is_client_error() => Err(AuthFailure::Invalid(error)),
            Err(error) => {
                tracing::error!(error = %error, "cannot verify access tokens");
                Err(AuthFailure::KeysUnavailable)
            }
        }
    }
}

fn bearer_token(header: &HeaderValue) -> Option<&str> {
    let value = header.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The HTTP answer to a refused token: 401 (503 when the keys are unavailable).
pub fn refusal(failure: &AuthFailure) -> Response {
    let (status, code) = match failure {
        AuthFailure::KeysUnavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            codes::AUTH_KEYS_UNAVAILABLE,
        ),
        AuthFailure::NotBearer | AuthFailure::Invalid(_) => {
            (StatusCode::UNAUTHORIZED, codes::UNAUTHENTICATED)
        }
    };
    let errors = [GraphQLError::with_code(failure.to_string(), code)];
    let body = serde_json::json!({ "errors": errors }).to_string();
    let mut response = (status, Body::from(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
    }
    response
}
