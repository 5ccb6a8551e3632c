//! Password rules and argon2id hashing. Hashing runs on the blocking pool: it
//! is deliberately slow and must not stall the async workers.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use mart_service::ApiError;

pub const MIN_CHARS: usize = 10;
/// Long enough for any passphrase, short enough that hashing stays cheap.
pub const MAX_CHARS: usize = 256;

/// `BAD_USER_INPUT` on `password` unless it has 10–256 characters and is not
/// the account's email.
pub fn check_rules(password: &str, email: &str) -> Result<(), ApiError> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(ApiError::bad_input(
            "password",
            format!("the password needs at least {MIN_CHARS} characters"),
        ));
    }
    if chars > MAX_CHARS {
        return Err(ApiError::bad_input(
            "password",
            format!("the password may have at most {MAX_CHARS} characters"),
        ));
    }
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err(ApiError::bad_input(
            "password",
            "the password must not be the email address",
        ));
    }
    Ok(())
}

/// An argon2id PHC string with a fresh salt.
pub async fn hash(password: &str) -> Result<String, ApiError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(ApiError::internal)?
}

fn hash_now(password: &str) -> Result<String, ApiError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

/// Whether `password` matches `phc`; a malformed hash never matches.
pub async fn verify(password: &str, phc: &str) -> bool {
    let (password, phc) = (password.to_owned(), phc.to_owned());
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), phc.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// A random password (144 bits, 24 URL-safe characters) for accounts created
/// without one.
pub fn generate() -> Result<String, ApiError> {
    let mut bytes = [0u8; 18];
    getrandom::fill(&mut bytes).map_err(ApiError::internal)?;
    Ok(super::tokens::encode(&bytes))
}

/// A hash nobody knows the password of, with the same parameters as real ones:
/// an unknown email is checked against it so that it costs what a wrong
/// password costs.
pub fn dummy_hash() -> &'static str {
    static DUMMY: LazyLock<String> = LazyLock::new(|| {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("operating system randomness");
        hash_now(&super::tokens::encode(&secret)).expect("argon2 with default parameters")
    });
    &DUMMY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let email = "ada@example.com";
        assert!(check_rules("correct horse", email).is_ok());
        assert!(check_rules("ten chars!", email).is_ok());
        for bad in ["short", "nine char", "ADA@example.com", &"x".repeat(257)] {
            let err = check_rules(bad, email).unwrap_err();
            assert_eq!(err.code(), "BAD_USER_INPUT", "{bad}");
        }
        // Counted in characters, not bytes.
        assert!(check_rules("ééééé", email).is_err());
    }

    #[tokio::test]
    async fn hashes_are_salted_argon2id_and_verify() {
        let a = hash("correct horse battery").await.unwrap();
        let b = hash("correct horse battery").await.unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "a fresh salt each time");
        assert!(verify("correct horse battery", &a).await);
        assert!(!verify("correct horse battery!", &a).await);
        assert!(!verify("anything", "not a hash").await);
        assert!(!verify("", dummy_hash()).await);
    }
}
