//! Signing keys and their public halves.
//!
//! A key's `kid` is its RFC 7638 JWK thumbprint (SHA-256), so the same key file
//! always yields the same `kid` without storing one beside it.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, Jwk, KeyAlgorithm, PublicKeyUse, ThumbprintHash,
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};

/// The algorithms Mart signs and accepts. Everything else, `none` and every
/// HMAC variant included, is refused.
pub const ALLOWED_ALGORITHMS: &[Algorithm] = &[Algorithm::EdDSA, Algorithm::RS256];

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("reading key file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("writing key file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("key file {path} is not an Ed25519 or RSA key in PEM (PKCS#8 or PKCS#1)")]
    Unsupported { path: PathBuf },
    #[error("no randomness available from the operating system: {0}")]
    Random(String),
    #[error("the key cannot be used: {0}")]
    Crypto(#[from] jsonwebtoken::errors::Error),
}

/// A private key that signs access tokens, with its published public half.
#[derive(Clone)]
pub struct SigningKey {
    algorithm: Algorithm,
    encoding: EncodingKey,
    public: Jwk,
}

// Private key material must never reach a log line.
impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm)
            .field("kid", &self.kid())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh Ed25519 key and its PKCS#8 PEM text (what [`Self::from_pem`] reads).
    pub fn generate_ed25519() -> Result<(Self, String), KeyError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
        let der = ed25519_pkcs8_der(&seed);
        let pem = pem_encode("PRIVATE KEY", &der);
        let key = Self::from_pem(pem.as_bytes(), Path::new("<generated>"))?;
        Ok((key, pem))
    }

    /// Reads an Ed25519 (PKCS#8) or RSA (PKCS#1 or PKCS#8) private key; `origin`
    /// only names the source in errors.
    pub fn from_pem(pem: &[u8], origin: &Path) -> Result<Self, KeyError> {
        let (algorithm, encoding) = if let Ok(key) = EncodingKey::from_ed_pem(pem) {
            (Algorithm::EdDSA, key)
        } else if let Ok(key) = EncodingKey::from_rsa_pem(pem) {
            (Algorithm::RS256, key)
        } else {
            return Err(KeyError::Unsupported {
                path: origin.to_path_buf(),
            });
        };
        let public = with_identity(Jwk::from_encoding_key(&encoding, algorithm)?, algorithm)?;
        Ok(Self {
            algorithm,
            encoding,
            public,
        })
    }

    pub fn from_file(path: &Path) -> Result<Self, KeyError> {
        let pem = std::fs::read(path).map_err(|source| KeyError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_pem(&pem, path)
    }

    /// Reads the key at `path`, or generates an Ed25519 key there (owner-only
    /// permissions) when the file does not exist yet. Development set-ups use
    /// this so that tokens survive restarts.
    pub fn load_or_generate(path: &Path) -> Result<Self, KeyError> {
        if path.exists() {
            return Self::from_file(path);
        }
        let (key, pem) = Self::generate_ed25519()?;
        write_private(path, &pem)?;
        tracing::info!(path = %path.display(), kid = key.kid(), "generated a token signing key");
        Ok(key)
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub fn kid(&self) -> &str {
        self.public.common.key_id.as_deref().unwrap_or_default()
    }

    /// The public half as a JWK (with `kid`, `alg` and `use: sig`).
    pub fn public_jwk(&self) -> &Jwk {
        &self.public
    }

    pub(crate) fn encoding_key(&self) -> &EncodingKey {
        &self.encoding
    }
}

/// A public JWK from a PEM file holding either a public key (`PUBLIC KEY`) or a
/// private one: how a retired key stays published after rotation.
pub fn public_jwk_from_pem(pem: &[u8], origin: &Path) -> Result<Jwk, KeyError> {
    if let Ok(key) = SigningKey::from_pem(pem, origin) {
        return Ok(key.public);
    }
    let (algorithm, decoding) = if let Ok(key) = DecodingKey::from_ed_pem(pem) {
        (Algorithm::EdDSA, key)
    } else if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
        (Algorithm::RS256, key)
    } else {
        return Err(KeyError::Unsupported {
            path: origin.to_path_buf(),
        });
    };
    with_identity(
        Jwk::from_decoding_key(&decoding, Some(algorithm))?,
        algorithm,
    )
}

pub fn public_jwk_from_file(path: &Path) -> Result<Jwk, KeyError> {
    let pem = std::fs::read(path).map_err(|source| KeyError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    public_jwk_from_pem(&pem, path)
}

/// The algorithm a published key is used with, if Mart accepts that kind of
/// key at all: OKP/Ed25519 → EdDSA, RSA → RS256; symmetric keys never.
pub fn algorithm_of(jwk: &Jwk) -> Option<Algorithm> {
    let by_type = match &jwk.algorithm {
        AlgorithmParameters::OctetKeyPair(_) => Algorithm::EdDSA,
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        _ => return None,
    };
    match jwk.common.key_algorithm {
        None => Some(by_type),
        Some(KeyAlgorithm::EdDSA) if by_type == Algorithm::EdDSA => Some(by_type),
        Some(KeyAlgorithm::RS256) if by_type == Algorithm::RS256 => Some(by_type),
        Some(_) => None,
    }
}

fn with_identity(mut jwk: Jwk, algorithm: Algorithm) -> Result<Jwk, KeyError> {
    let kid = jwk.thumbprint(ThumbprintHash::SHA256)?;
    jwk.common = CommonParameters {
        key_id: Some(kid),
        key_algorithm: Some(algorithm.into()),
        public_key_use: Some(PublicKeyUse::Signature),
        ..Default::default()
    };
    Ok(jwk)
}

/// PKCS#8 v1 (RFC 8410) for an Ed25519 seed: a fixed header, then the seed.
fn ed25519_pkcs8_der(seed: &[u8; 32]) -> Vec<u8> {
    const HEADER: [u8; 16] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    let mut der = HEADER.to_vec();
    der.extend_from_slice(seed);
    der
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

/// Writes a new file readable by its owner only; refuses to replace one, so two
/// processes starting together cannot each keep a different key.
fn write_private(path: &Path, contents: &str) -> Result<(), KeyError> {
    let error = |source| KeyError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(error)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => file.write_all(contents.as_bytes()).map_err(error),
        // Another process wrote it first: both use that one.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(error(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> PathBuf {
        std::env::temp_dir()
            .join(format!("mart-auth-{}", uuid::Uuid::new_v4()))
            .join(name)
    }

    #[test]
    fn generated_keys_are_ed25519_with_a_thumbprint_kid() {
        let (key, pem) = SigningKey::generate_ed25519().unwrap();
        assert_eq!(key.algorithm(), Algorithm::EdDSA);
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert_eq!(key.kid().len(), 43, "base64url of a SHA-256 digest");
        let reloaded = SigningKey::from_pem(pem.as_bytes(), Path::new("x")).unwrap();
        assert_eq!(reloaded.kid(), key.kid());
        assert_eq!(reloaded.public_jwk(), key.public_jwk());
        let (other, _) = SigningKey::generate_ed25519().unwrap();
        assert_ne!(other.kid(), key.kid());
    }

    #[test]
    fn load_or_generate_keeps_the_key_across_calls() {
        let path = temp_path("keys/signing.pem");
        let first = SigningKey::load_or_generate(&path).unwrap();
        let second = SigningKey::load_or_generate(&path).unwrap();
        assert_eq!(first.kid(), second.kid());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap()).unwrap();
    }

    #[test]
    fn garbage_is_refused_with_the_file_named() {
        let err = SigningKey::from_pem(b"not a key", Path::new("/etc/key.pem")).unwrap_err();
        assert!(err.to_string().contains("/etc/key.pem"), "{err}");
        let err = public_jwk_from_pem(b"-----BEGIN PUBLIC KEY-----\n", Path::new("p")).unwrap_err();
        assert!(matches!(err, KeyError::Unsupported { .. }));
    }

    #[test]
    fn a_private_key_file_publishes_only_its_public_half() {
        let (key, pem) = SigningKey::generate_ed25519().unwrap();
        let jwk = public_jwk_from_pem(pem.as_bytes(), Path::new("old.pem")).unwrap();
        assert_eq!(jwk.common.key_id.as_deref(), Some(key.kid()));
        let text = serde_json::to_string(&jwk).unwrap();
        assert!(!text.contains("\"d\""), "no private component: {text}");
        assert_eq!(algorithm_of(&jwk), Some(Algorithm::EdDSA));
    }

    #[test]
    fn debug_output_shows_no_key_material() {
        let (key, pem) = SigningKey::generate_ed25519().unwrap();
        let shown = format!("{key:?}");
        let body = pem.lines().nth(1).unwrap();
        assert!(!shown.contains(&body[..20]), "{shown}");
        assert!(shown.contains(key.kid()));
    }
}
