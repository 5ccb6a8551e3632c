//! Who is asking: what a verified token turns into for the rest of a request.

use uuid::Uuid;

use crate::claims::{AccessClaims, Role};

/// The caller of one request. A request without `Authorization` is
/// [`Identity::Anonymous`]; one with a token that fails verification never gets
/// an identity at all (it is refused with `UNAUTHENTICATED`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Identity {
    #[default]
    Anonymous,
    User(AuthenticatedUser),
}

/// A user whose access token was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedUser {
    pub id: Uuid,
    pub role: Role,
    pub scopes: Vec<String>,
}

impl AuthenticatedUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin && self.has_scope("admin")
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// Whether this user may see what belongs to `owner`: their own things, or
    /// anyone's when staff.
    pub fn may_access(&self, owner: Uuid) -> bool {
        self.id == owner || self.is_admin()
    }
}

impl Identity {
    /// The identity verified `claims` describe; `None` when `sub` is not a user id.
    pub fn from_claims(claims: &AccessClaims) -> Option<Self> {
        Some(Identity::User(AuthenticatedUser {
            id: claims.user_id()?,
            role: claims.role,
            scopes: claims.scopes().map(str::to_string).collect(),
        }))
    }

    pub fn user(&self) -> Option<&AuthenticatedUser> {
        match self {
            Identity::Anonymous => None,
            Identity::User(user) => Some(user),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ownership_and_staff_access() {
        let owner = Uuid::new_v4();
        let claims = AccessClaims::new("i", "a", owner, Role::Customer, 0, 60);
        let identity = Identity::from_claims(&claims).unwrap();
        let user = identity.user().unwrap();
        assert!(user.may_access(owner));
        assert!(!user.may_access(Uuid::new_v4()));
        assert!(!user.is_admin());

        let staff = AccessClaims::new("i", "a", Uuid::new_v4(), Role::Admin, 0, 60);
        let staff = Identity::from_claims(&staff).unwrap();
        assert!(staff.user().unwrap().may_access(owner));
        assert_eq!(Identity::default().user(), None);
    }
}
