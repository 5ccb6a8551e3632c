//! Requests the router signs for subgraphs, so that a subgraph configured with the shared
//! secret answers only requests that came through the router (or another service that holds
//! the secret, such as orders calling products at placement).
//!
//! The header is `x-mart-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
//! A signature older or newer than [`MAX_SKEW`] is refused, so a captured one cannot be
//! replayed for long; the body is covered, so it cannot be reused for another request.
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-mart-signature";

/// How far a signature's time may be from the verifier's clock.
pub const MAX_SKEW: Duration = Duration::from_secs(300);

/// The secret shared by the signers and the verifiers. Its `Debug` never shows it.
#[derive(Clone)]
pub struct RequestSigner {
    secret: Vec<u8>,
}

impl fmt::Debug for RequestSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RequestSigner(<secret>)")
    }
}

/// Why a request's signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the request is not signed")]
    Missing,
    #[error("the request's signature is malformed")]
    Malformed,
    #[error("the request's signature has expired")]
    Expired,
    #[error("the request's signature does not match")]
    Mismatch,
}

impl RequestSigner {
    /// `None` for an empty secret: signing is off.
    pub fn new(secret: &str) -> Option<RequestSigner> {
        let secret = secret.trim();
        (!secret.is_empty()).then(|| RequestSigner {
            secret: secret.as_bytes().to_vec(),
        })
    }

    /// The header value for a request with `body`, signed now.
    pub fn sign(&self, body: &[u8]) -> String {
        self.sign_at(unix_now(), body)
    }

    fn sign_at(&self, time: u64, body: &[u8]) -> String {
        format!("t={time},v1={}", hex(&self.mac(time, body)))
    }

    /// Checks the header of a request with `body` against this secret.
    pub fn verify(&self, header: Option<&str>, body: &[u8]) -> Result<(), SignatureError> {
        self.verify_at(unix_now(), header, body)
    }

    fn verify_at(&self, now: u64, header: Option<&str>, body: &[u8]) -> Result<(), SignatureError> {
        let header = header.ok_or(SignatureError::Missing)?;
        let (mut time, mut signature) = (None, None);
        for part in header.split(',') {
            match part.trim().split_once('=') {
                Some(("t", value)) => time = value.parse::<u64>().ok(),
                Some(("v1", value)) => signature = unhex(value),
                _ => {}
            }
        }
        let (Some(time), Some(signature)) = (time, signature) else {
            return Err(SignatureError::Malformed);
        };
        if now.abs_diff(time) > MAX_SKEW.as_secs() {
            return Err(SignatureError::Expired);
        }
        let mut mac = self.keyed();
        mac.update(time.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        // Constant time: the comparison reveals nothing about how much of it matched.
        mac.verify_slice(&signature)
            .map_err(|_| SignatureError::Mismatch)
    }

    fn mac(&self, time: u64, body: &[u8]) -> Vec<u8> {
        let mut mac = self.keyed();
        mac.update(time.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.finalize().into_bytes().to_vec()
    }

    fn keyed(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length.
        Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC accepts any key length")
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_holds_for_its_body_and_secret_and_not_for_long() {
        let signer = RequestSigner::new("s3cret").unwrap();
        let header = signer.sign_at(1_000, b"{\"query\":\"{ a }\"}");
        assert_eq!(
            signer.verify_at(1_010, Some(&header), b"{\"query\":\"{ a }\"}"),
            Ok(())
        );
        assert_eq!(
            signer.verify_at(1_010, Some(&header), b"{\"query\":\"{ b }\"}"),
            Err(SignatureError::Mismatch)
        );
        let other = RequestSigner::new("another").unwrap();
        assert_eq!(
            other.verify_at(1_010, Some(&header), b"{\"query\":\"{ a }\"}"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            signer.verify_at(1_000 + 301, Some(&header), b"{\"query\":\"{ a }\"}"),
            Err(SignatureError::Expired)
        );
        assert_eq!(
            signer.verify_at(1_000, None, b""),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            signer.verify_at(1_000, Some("t=x,v1=zz"), b""),
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn an_empty_secret_turns_signing_off_and_the_secret_never_prints() {
        assert!(RequestSigner::new("  ").is_none());
        let signer = RequestSigner::new("s3cret").unwrap();
        assert!(!format!("{signer:?}").contains("s3cret"));
    }
}
