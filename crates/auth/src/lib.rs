//! Mart's access tokens, shared by the users service (which issues them), the
//! router and every subgraph (which verify them). See the crate's README for
//! the design.
//!
//! - [`claims`]: what a token says (`sub`, `role`, `scope`, …).
//! - [`keys`]: signing keys (Ed25519 generated for development, or a PEM file)
//!   and their public JWKs, whose `kid` is the key's thumbprint.
//! - [`issuer`]: the published [`KeySet`] and the [`TokenIssuer`].
//! - [`verifier`]: the [`Verifier`], over static keys or a JWKS URL.
//! - [`identity`]: the [`Identity`] a verified token becomes.
//! - [`tls`]: the private CAs the process's HTTP clients trust.

pub mod claims;
pub mod identity;
pub mod issuer;
pub mod jwks;
pub mod keys;
pub mod signing;
pub mod tls;
mod verified;
pub mod verifier;

#[cfg(test)]
mod tests;

pub use claims::{AccessClaims, Role};
pub use identity::{AuthenticatedUser, Identity};
pub use issuer::{IssuedToken, KeySet, TokenIssuer, TokenSettings};
pub use jsonwebtoken::jwk::{Jwk, JwkSet};
pub use jwks::{JwksDocument, JwksOptions};
pub use keys::{ALLOWED_ALGORITHMS, KeyError, SigningKey};
pub use signing::{RequestSigner, SIGNATURE_HEADER, SignatureError};
pub use verifier::{Verifier, VerifierSettings, VerifyError};

/// Where the users service publishes its keys, relative to its origin.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";
