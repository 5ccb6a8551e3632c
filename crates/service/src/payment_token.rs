//! The customer's payment token travels from orders to payments inside `order.placed`, on a
//! topic every consumer of orders' events reads, and stays in orders' outbox. It is sealed
//! there: encrypted and authenticated (ChaCha20-Poly1305) with a key only orders and payments
//! hold, so inventory, shipping, notifications or anyone reading the topic or the outbox sees
//! `sealed:v1:…` and nothing they could charge.
//!
//! The key is `MART_PAYMENT_TOKEN_KEY` (64 hex digits), else a file under
//! `<MART_DATA_DIR>/keys/` created on first start: processes sharing a data directory (`mart
//! up`, separate `mart serve` processes on one machine) share it. Separate machines must share
//! the variable, or a volume holding the file.
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

use crate::config::ServiceConfig;

const PREFIX: &str = "sealed:v1:";
const KEY_FILE: &str = "payment-token.key";
const NONCE_LEN: usize = 12;

/// Seals and opens payment tokens.
#[derive(Clone)]
pub struct TokenSeal {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for TokenSeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSeal(<key>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("MART_PAYMENT_TOKEN_KEY must be 64 hexadecimal digits")]
    BadKey,
    #[error("cannot read or create the payment token key {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "a sealed payment token could not be opened (another key sealed it, or it was altered)"
    )]
    Unreadable,
}

impl TokenSeal {
    /// The deployment's key: the variable, else the data directory's file (created once).
    pub fn load(config: &ServiceConfig) -> Result<TokenSeal, SealError> {
        let key = match &config.payment_token_key {
            Some(hex) => parse_hex_key(hex).ok_or(SealError::BadKey)?,
            None => key_from_file(&config.data_dir.join("keys").join(KEY_FILE))?,
        };
        Ok(TokenSeal::from_key(key))
    }

    pub fn from_key(key: [u8; 32]) -> TokenSeal {
        TokenSeal {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
        }
    }

    /// `sealed:v1:<base64url(nonce ‖ ciphertext ‖ tag)>`.
    pub fn seal(&self, token: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the operating system's random source");
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), token.as_bytes())
            .expect("ChaCha20-Poly1305 seals any length that fits in memory");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The token inside `sealed`. A value without the prefix is a token from before
    /// sealing (an event still in flight from an older version) and is returned as it is.
    pub fn open(&self, sealed: &str) -> Result<String, SealError> {
        let Some(encoded) = sealed.strip_prefix(PREFIX) else {
            return Ok(sealed.to_string());
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| SealError::Unreadable)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError::Unreadable);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| SealError::Unreadable)?;
        String::from_utf8(plain).map_err(|_| SealError::Unreadable)
    }
}

fn parse_hex_key(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.trim();
    if hex.len() != 64 {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(key)
}

/// Reads the key file, creating it if missing. Two processes starting together must agree:
/// each writes a candidate beside it and links it into place only if nothing is there yet,
/// then both read whatever won.
fn key_from_file(path: &Path) -> Result<[u8; 32], SealError> {
    let failed = |source| SealError::KeyFile {
        path: path.display().to_string(),
        source,
    };
    if !path.exists() {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(failed)?;
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("the operating system's random source");
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        let candidate = dir.join(format!(".{KEY_FILE}.{}", std::process::id()));
        write_private(&candidate, hex.as_bytes()).map_err(failed)?;
        let linked = std::fs::hard_link(&candidate, path);
        let _ = std::fs::remove_file(&candidate);
        match linked {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(failed(e)),
        }
    }
    let text = std::fs::read_to_string(path).map_err(failed)?;
    parse_hex_key(&text).ok_or(SealError::BadKey)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_token_opens_with_its_key_only_and_hides_the_token() {
        let seal = TokenSeal::from_key([7; 32]);
        let sealed = seal.seal("tok_visa_4242");
        assert!(sealed.starts_with(PREFIX));
        assert!(!sealed.contains("tok_visa"));
        assert_ne!(
            sealed,
            seal.seal("tok_visa_4242"),
            "a fresh nonce each time"
        );
        assert_eq!(seal.open(&sealed).unwrap(), "tok_visa_4242");
        let other = TokenSeal::from_key([8; 32]);
        assert!(other.open(&sealed).is_err());
        // Flip one bit of the ciphertext (replacing a character could leave it as it was).
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed[PREFIX.len()..]).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let altered = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
        assert!(matches!(seal.open(&altered), Err(SealError::Unreadable)));
        // A token from before sealing passes through.
        assert_eq!(seal.open("tok_ok").unwrap(), "tok_ok");
    }

    #[test]
    fn processes_sharing_a_data_directory_share_one_key() {
        let dir =
            std::env::temp_dir().join(format!("mart-seal-{}", crate::testkit::unique_suffix()));
        let path = dir.join("keys").join(KEY_FILE);
        let first = key_from_file(&path).unwrap();
        let second = key_from_file(&path).unwrap();
        assert_eq!(first, second);
        let _ = std::fs::remove_dir_all(dir);
    }
}
