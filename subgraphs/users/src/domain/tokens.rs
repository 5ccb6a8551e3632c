//! Opaque refresh tokens: 256 random bits, base64url, stored only as SHA-256.

use base64::Engine;
use sha2::{Digest, Sha256};

use super::UsersError;

/// A new refresh token.
pub fn random_token() -> Result<String, UsersError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(UsersError::internal)?;
    Ok(encode(&bytes))
}

/// What is stored and looked up instead of the token itself.
pub fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

pub fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = random_token().unwrap();
        let b = random_token().unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(digest(&a).len(), 32);
        assert_eq!(digest(&a), digest(&a));
        assert_ne!(digest(&a), digest(&b));
    }
}
