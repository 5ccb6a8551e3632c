//! Verifying access tokens: what the router and every subgraph run on each
//! request that carries `Authorization: Bearer …`.
//!
//! Order of checks: the header is read first and its `alg` must be on the
//! allow-list (EdDSA, RS256) — `none` and every HS* variant are refused before
//! any key is looked at, so a token "signed" with the public key as an HMAC
//! secret never reaches a verifier. Then the key named by `kid` is found (a
//! remote JWKS is refetched when the `kid` is unknown), its algorithm must equal
//! the header's, and finally signature, `exp` (with a small leeway), `iss`,
//! `aud` and `sub` are checked. A token that passed is remembered until it
//! expires ([`crate::verified`]): sent again, it skips the signature check only.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::claims::{AccessClaims, now_secs};
use crate::jwks::{JwksOptions, RemoteJwks};
use crate::keys::{ALLOWED_ALGORITHMS, algorithm_of};
use crate::verified::Verified;

/// What a token must say to be accepted.
#[derive(Debug, Clone)]
pub struct VerifierSettings {
    /// Expected `iss`.
    pub issuer: String,
    /// Expected `aud`.
    pub audience: String,
    /// Clock skew tolerated on `exp` (and `nbf` when present).
    pub leeway: Duration,
}

/// Why a token was refused. Every variant but [`VerifyError::KeysUnavailable`]
/// is the client's fault (answer `UNAUTHENTICATED`); that one is ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the access token is not a well-formed JWT")]
    Malformed,
    #[error("access tokens signed with {0:?} are not accepted")]
    DisallowedAlgorithm(String),
    #[error("the access token names no signing key")]
    MissingKeyId,
    #[error("the access token was signed with an unknown key")]
    UnknownKey,
    #[error("the access token's signature is invalid")]
    BadSignature,
    #[error("the access token has expired")]
    Expired,
    #[error("the access token was issued by someone else")]
    WrongIssuer,
    #[error("the access token is meant for another audience")]
    WrongAudience,
    #[error("the access token's claims are invalid")]
    InvalidClaims,
    /// The JWKS could not be fetched and no keys are cached.
    #[error("the token signing keys cannot be fetched: {0}")]
    KeysUnavailable(String),
}

impl VerifyError {
    /// `false` only when verification failed on our side.
    pub fn is_client_error(&self) -> bool {
        !matches!(self, VerifyError::KeysUnavailable(_))
    }
}

/// Public keys by `kid`, each with the one algorithm it may verify.
#[derive(Default)]
pub(crate) struct KeyMap(HashMap<String, (Algorithm, DecodingKey)>);

impl KeyMap {
    /// Keeps the usable keys of `jwks`: those with a `kid` and a type Mart
    /// accepts. Symmetric (`oct`) keys are dropped even when published.
    pub(crate) fn from_jwks(jwks: &JwkSet) -> Self {
        let mut keys = HashMap::new();
        for jwk in &jwks.keys {
            let (Some(kid), Some(algorithm)) = (jwk.common.key_id.clone(), algorithm_of(jwk))
            else {
                continue;
            };
            match DecodingKey::from_jwk(jwk) {
                Ok(key) => {
                    keys.insert(kid, (algorithm, key));
                }
                Err(e) => tracing::warn!(kid, error = %e, "skipping an unusable published key"),
            }
        }
        Self(keys)
    }

    pub(crate) fn get(&self, kid: &str) -> Option<(Algorithm, DecodingKey)> {
        self.0.get(kid).cloned()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

enum KeySource {
    Static(KeyMap),
    Remote(RemoteJwks),
}

/// Verifies access tokens against a fixed key set or a JWKS URL.
pub struct Verifier {
    settings: VerifierSettings,
    source: KeySource,
    verified: Verified,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let source = match &self.source {
            KeySource::Static(keys) => format!("{} static keys", keys.len()),
            KeySource::Remote(remote) => format!("JWKS at {}", remote.url()),
        };
        f.debug_struct("Verifier")
            .field("settings", &self.settings)
            .field("keys", &source)
            .finish()
    }
}

impl Verifier {
    /// Trusts exactly the keys of `jwks`.
    pub fn with_keys(settings: VerifierSettings, jwks: &JwkSet) -> Self {
        Self {
            settings,
            source: KeySource::Static(KeyMap::from_jwks(jwks)),
            verified: Verified::default(),
        }
    }

    /// Trusts the keys published at `url`, fetched on first use, cached,
    /// refetched when a token names an unknown `kid` and every
    /// `options.refresh_every`.
    pub fn with_jwks_url(
        settings: VerifierSettings,
        url: impl Into<String>,
        options: JwksOptions,
    ) -> Self {
        Self {
            settings,
            source: KeySource::Remote(RemoteJwks::new(url.into(), options)),
            verified: Verified::default(),
        }
    }

    pub fn settings(&self) -> &VerifierSettings {
        &self.settings
    }

    /// The claims of `token` if it is a valid Mart access token now.
    pub async fn verify(&self, token: &str) -> Result<AccessClaims, VerifyError> {
        let header = read_header(token)?;
        let algorithm = allowed_algorithm(&header.alg)?;
        let kid = header.kid.ok_or(VerifyError::MissingKeyId)?;
        let (key_algorithm, key) = match &self.source {
            KeySource::Static(keys) => keys.get(&kid).ok_or(VerifyError::UnknownKey)?,
            KeySource::Remote(remote) => remote.key(&kid).await?,
        };
        // A key verifies with the one algorithm it was published for, whatever
        // the token's header claims.
        if key_algorithm != algorithm {
            return Err(VerifyError::DisallowedAlgorithm(format!(
                "{} with a {:?} key",
                header.alg, key_algorithm
            )));
        }
        let now = now_secs();
        if let Some(claims) = self.verified.get(token, now) {
            return Ok(claims);
        }
        let claims = decode_claims(token, algorithm, &key, &self.settings)?;
        if claims.user_id().is_none() {
            return Err(VerifyError::InvalidClaims);
        }
        self.verified
            .insert(token, &claims, self.settings.leeway.as_secs(), now);
        Ok(claims)
    }
}

/// The header fields the decision needs, read without trusting anything: the
/// `alg` stays a string so that `none` and unknown names get a precise refusal.
#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    kid: Option<String>,
}

fn read_header(token: &str) -> Result<RawHeader, VerifyError> {
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(VerifyError::Malformed);
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| VerifyError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| VerifyError::Malformed)
}

fn allowed_algorithm(name: &str) -> Result<Algorithm, VerifyError> {
    ALLOWED_ALGORITHMS
        .iter()
        .copied()
        .find(|a| format!("{a:?}") == name)
        .ok_or_else(|| VerifyError::DisallowedAlgorithm(name.to_string()))
}

fn decode_claims(
    token: &str,
    algorithm: Algorithm,
    key: &DecodingKey,
    settings: &VerifierSettings,
) -> Result<AccessClaims, VerifyError> {
    let mut validation = Validation::new(algorithm);
    validation.leeway = settings.leeway.as_secs();
    validation.validate_nbf = true;
    validation.set_issuer(&[&settings.issuer]);
    validation.set_audience(&[&settings.audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    jsonwebtoken::decode::<AccessClaims>(token, key, &validation)
        .map(|data| data.claims)
        .map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => VerifyError::Expired,
            ErrorKind::InvalidIssuer => VerifyError::WrongIssuer,
            ErrorKind::InvalidAudience => VerifyError::WrongAudience,
            ErrorKind::InvalidSignature => VerifyError::BadSignature,
            ErrorKind::InvalidAlgorithm => {
                VerifyError::DisallowedAlgorithm(format!("{algorithm:?}"))
            }
            ErrorKind::InvalidToken | ErrorKind::Base64(_) | ErrorKind::Utf8(_) => {
                VerifyError::Malformed
            }
            ErrorKind::MissingRequiredClaim(_)
            | ErrorKind::ImmatureSignature
            | ErrorKind::InvalidSubject
            | ErrorKind::InvalidClaimFormat(_)
            | ErrorKind::Json(_) => VerifyError::InvalidClaims,
            _ => VerifyError::BadSignature,
        })
}
