//! What an access token says about its bearer.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A user's role. It decides the token's scopes: staff get every scope a
/// customer has, plus `admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Customer,
    Admin,
}

impl Role {
    /// The scopes a token for this role carries, in the order written to `scope`.
    pub fn scopes(self) -> &'static [&'static str] {
        match self {
            Role::Customer => &["customer"],
            Role::Admin => &["admin", "customer"],
        }
    }

    /// `customer` or `admin`, as stored and as written in tokens.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "customer" => Some(Role::Customer),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// The claims of a Mart access token.
///
/// `sub` is the user id; `scope` is space-separated (RFC 8693 style), e.g.
/// `customer` or `admin customer`; times are seconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: u64,
    pub iat: u64,
    /// Unique per token, so two tokens issued in the same second still differ.
    pub jti: String,
    pub scope: String,
    pub role: Role,
}

impl AccessClaims {
    /// Claims for `user_id` with `role`, issued at `now` and valid for `ttl_secs`.
    pub fn new(
        issuer: &str,
        audience: &str,
        user_id: Uuid,
        role: Role,
        now: u64,
        ttl_secs: u64,
    ) -> Self {
        Self {
            iss: issuer.to_string(),
            sub: user_id.to_string(),
            aud: audience.to_string(),
            exp: now + ttl_secs,
            iat: now,
            jti: Uuid::new_v4().to_string(),
            scope: role.scopes().join(" "),
            role,
        }
    }

    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split_whitespace()
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|s| s == scope)
    }

    /// The user id, when `sub` is one.
    pub fn user_id(&self) -> Option<Uuid> {
        Uuid::parse_str(&self.sub).ok()
    }
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_carry_the_customer_scope_too() {
        let id = Uuid::new_v4();
        let claims = AccessClaims::new("iss", "aud", id, Role::Admin, 100, 900);
        assert_eq!(claims.scope, "admin customer");
        assert!(claims.has_scope("customer") && claims.has_scope("admin"));
        assert_eq!(claims.exp, 1000);
        assert_eq!(claims.user_id(), Some(id));
        let customer = AccessClaims::new("iss", "aud", id, Role::Customer, 100, 900);
        assert!(!customer.has_scope("admin"));
    }

    #[test]
    fn roles_round_trip_through_text() {
        for role in [Role::Customer, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("ADMIN"), None);
    }
}
