//! Issuing access tokens (the users service is the only issuer).

use std::time::Duration;

use jsonwebtoken::Header;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use uuid::Uuid;

use crate::claims::{AccessClaims, Role, now_secs};
use crate::keys::{KeyError, SigningKey};
use crate::verifier::{Verifier, VerifierSettings};

/// The keys a deployment publishes: one signs, the others (retired after a
/// rotation) stay published until the tokens they signed have expired.
#[derive(Debug, Clone)]
pub struct KeySet {
    signing: SigningKey,
    retired: Vec<Jwk>,
}

impl KeySet {
    pub fn new(signing: SigningKey) -> Self {
        Self {
            signing,
            retired: Vec::new(),
        }
    }

    /// Also publishes `jwk` (a key that no longer signs). A key equal to the
    /// signing key's public half is published once.
    pub fn with_published(mut self, jwk: Jwk) -> Self {
        let duplicate = jwk.common.key_id.as_deref() == Some(self.signing.kid())
            || self
                .retired
                .iter()
                .any(|r| r.common.key_id == jwk.common.key_id);
        if !duplicate {
            self.retired.push(jwk);
        }
        self
    }

    pub fn signing(&self) -> &SigningKey {
        &self.signing
    }

    /// The JWKS document (`/.well-known/jwks.json`): public keys only, the
    /// signing key first.
    pub fn jwks(&self) -> JwkSet {
        let mut keys = vec![self.signing.public_jwk().clone()];
        keys.extend(self.retired.iter().cloned());
        JwkSet { keys }
    }
}

/// What tokens say about where they come from and how long they last.
#[derive(Debug, Clone)]
pub struct TokenSettings {
    /// `iss` of every token (default `mart-users`).
    pub issuer: String,
    /// `aud` of every token (default `mart`).
    pub audience: String,
    /// Lifetime of an access token (default 15 minutes).
    pub access_token_ttl: Duration,
}

/// A signed access token.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The compact JWS.
    pub token: String,
    pub claims: AccessClaims,
}

impl IssuedToken {
    /// `exp`, in seconds since the Unix epoch.
    pub fn expires_at(&self) -> u64 {
        self.claims.exp
    }
}

/// Signs access tokens with the key set's signing key.
#[derive(Debug, Clone)]
pub struct TokenIssuer {
    keys: KeySet,
    settings: TokenSettings,
}

impl TokenIssuer {
    pub fn new(keys: KeySet, settings: TokenSettings) -> Self {
        Self { keys, settings }
    }

    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    pub fn settings(&self) -> &TokenSettings {
        &self.settings
    }

    /// A token for `user_id` acting as `role`, valid from now for the
    /// configured lifetime.
    pub fn issue(&self, user_id: Uuid, role: Role) -> Result<IssuedToken, KeyError> {
        let claims = AccessClaims::new(
            &self.settings.issuer,
            &self.settings.audience,
            user_id,
            role,
            now_secs(),
            self.settings.access_token_ttl.as_secs(),
        );
        self.sign(claims)
    }

    /// Signs arbitrary claims; tests use it for tokens that are already expired.
    pub fn sign(&self, claims: AccessClaims) -> Result<IssuedToken, KeyError> {
        let signing = self.keys.signing();
        let mut header = Header::new(signing.algorithm());
        header.kid = Some(signing.kid().to_string());
        header.typ = Some("JWT".to_string());
        let token = jsonwebtoken::encode(&header, &claims, signing.encoding_key())?;
        Ok(IssuedToken { token, claims })
    }

    /// A verifier that trusts this issuer's published keys directly (no HTTP):
    /// what the users service itself uses.
    pub fn local_verifier(&self, leeway: Duration) -> Verifier {
        Verifier::with_keys(
            VerifierSettings {
                issuer: self.settings.issuer.clone(),
                audience: self.settings.audience.clone(),
                leeway,
            },
            &self.keys.jwks(),
        )
    }
}
