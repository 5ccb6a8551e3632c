//! The token issuer as configured: the signing key from `MART_JWT_PRIVATE_KEY`
//! or the development key kept in `$MART_DATA_DIR/keys/`, plus retired keys
//! that stay published.

use mart_auth::keys::public_jwk_from_file;
use mart_auth::{KeyError, KeySet, SigningKey, TokenIssuer, TokenSettings};
use mart_service::ServiceConfig;

/// An explicitly configured key must exist; only the default development key
/// is generated when missing.
pub fn issuer(config: &ServiceConfig) -> Result<TokenIssuer, KeyError> {
    let path = config.signing_key_path();
    let signing = if config.auth.private_key.is_some() {
        SigningKey::from_file(&path)?
    } else {
        SigningKey::load_or_generate(&path)?
    };
    let mut keys = KeySet::new(signing);
    for retired in &config.auth.published_keys {
        keys = keys.with_published(public_jwk_from_file(retired)?);
    }
    Ok(TokenIssuer::new(
        keys,
        TokenSettings {
            issuer: config.auth.issuer.clone(),
            audience: config.auth.audience.clone(),
            access_token_ttl: config.auth.access_token_ttl,
        },
    ))
}
