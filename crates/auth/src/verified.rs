//! Tokens already verified, so a token sent again skips its signature check.
//!
//! A client sends the same access token with every request until it expires, and
//! each request is verified twice on its way (by the router, then by the subgraph it
//! reaches). The signature check is the costly part: at 200 orders/s it was 2.5 % of
//! `mart up`'s CPU (bench/LOG.md, session 22). What a remembered verification may skip
//! is the signature and the claims' shape, nothing that can change with time:
//! - an entry is used only while the token would still pass `exp` (with the leeway);
//!   `nbf` needs no check, since a token is remembered only once it passed;
//! - the verifier still looks the token's key up by `kid` first, so a key withdrawn
//!   from the JWKS refuses its tokens at once, remembered or not (a `kid` is the key's
//!   thumbprint: one `kid`, one key);
//! - the key is the whole token, compared in full: a token that differs in one byte
//!   is verified from scratch.
//!
//! Bounded: at most [`CAPACITY`] tokens. When full, the expired ones go; if none had
//! expired, all of them (a burst of new tokens costs one check each, as before).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::claims::AccessClaims;

/// Tokens remembered at most: a thousand clients active within a token's lifetime
/// (15 minutes by default) each verify once. An entry is the token (~400 bytes) and
/// its claims: under 1 MB in all.
pub const CAPACITY: usize = 1024;

struct Entry {
    claims: AccessClaims,
    /// The last second (Unix time) at which the token passes `exp`, leeway included.
    valid_until: u64,
}

/// Verified tokens and their claims.
#[derive(Default)]
pub(crate) struct Verified {
    tokens: Mutex<HashMap<Box<str>, Entry>>,
}

impl Verified {
    /// The claims of `token` if it was verified and is still within `exp` at `now`.
    pub(crate) fn get(&self, token: &str, now: u64) -> Option<AccessClaims> {
        let tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens
            .get(token)
            .filter(|entry| now <= entry.valid_until)
            .map(|entry| entry.claims.clone())
    }

    /// Remembers that `token`, whose claims are `claims`, passed every check; it stays
    /// valid until `exp + leeway_secs`.
    pub(crate) fn insert(&self, token: &str, claims: &AccessClaims, leeway_secs: u64, now: u64) {
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        if tokens.len() >= CAPACITY {
            tokens.retain(|_, entry| now <= entry.valid_until);
            if tokens.len() >= CAPACITY {
                tokens.clear();
            }
        }
        let entry = Entry {
            claims: claims.clone(),
            valid_until: claims.exp.saturating_add(leeway_secs),
        };
        tokens.insert(token.into(), entry);
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.tokens.lock().unwrap().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;

    fn claims(exp: u64) -> AccessClaims {
        let mut claims =
            AccessClaims::new("iss", "aud", uuid::Uuid::new_v4(), Role::Customer, 0, 1);
        claims.exp = exp;
        claims
    }

    #[test]
    fn a_remembered_token_is_served_until_exp_and_leeway_only() {
        let verified = Verified::default();
        verified.insert("a.b.c", &claims(100), 5, 50);
        assert_eq!(verified.get("a.b.c", 50).map(|c| c.exp), Some(100));
        assert!(verified.get("a.b.c", 105).is_some());
        assert!(verified.get("a.b.c", 106).is_none(), "past exp + leeway");
        assert!(verified.get("a.b.d", 50).is_none(), "another token");
    }

    #[test]
    fn it_never_holds_more_than_its_capacity() {
        let verified = Verified::default();
        for i in 0..CAPACITY {
            // Half of them expired by `now` = 1,000.
            let exp = if i % 2 == 0 { 10 } else { 10_000 };
            verified.insert(&format!("t{i}"), &claims(exp), 0, 0);
        }
        assert_eq!(verified.len(), CAPACITY);
        verified.insert("new", &claims(10_000), 0, 1_000);
        assert_eq!(verified.len(), CAPACITY / 2 + 1, "the expired went first");
        assert!(verified.get("t1", 1_000).is_some(), "the valid stayed");

        for i in 0..CAPACITY {
            verified.insert(&format!("u{i}"), &claims(10_000), 0, 1_000);
        }
        // Full of valid tokens: emptied, then filled again from there.
        assert!(verified.len() <= CAPACITY);
        assert!(verified.get("new", 1_000).is_none(), "emptied when full");
        assert!(verified.get(&format!("u{}", CAPACITY - 1), 1_000).is_some());
    }
}
