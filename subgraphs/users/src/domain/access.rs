//! Who may see which account.

use mart_auth::AuthenticatedUser;
use mart_service::Identity;
use uuid::Uuid;

use super::UsersError;

/// The signed-in caller, or `UNAUTHENTICATED`.
pub fn require_signed_in(identity: &Identity) -> Result<&AuthenticatedUser, UsersError> {
    identity.user().ok_or(UsersError::Unauthenticated)
}

/// An account and its addresses are visible to their owner and to staff.
/// Anyone else gets `FORBIDDEN` whether or not `user_id` exists, so account ids
/// cannot be probed.
pub fn authorize_user_access(
    identity: &Identity,
    user_id: Uuid,
) -> Result<&AuthenticatedUser, UsersError> {
    let caller = require_signed_in(identity)?;
    if caller.may_access(user_id) {
        Ok(caller)
    } else {
        Err(UsersError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mart_auth::Role;

    fn signed_in(id: Uuid, role: Role) -> Identity {
        Identity::User(AuthenticatedUser {
            id,
            role,
            scopes: role.scopes().iter().map(|s| s.to_string()).collect(),
        })
    }

    #[test]
    fn owners_and_staff_only() {
        let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
        assert!(authorize_user_access(&signed_in(me, Role::Customer), me).is_ok());
        let err = authorize_user_access(&signed_in(me, Role::Customer), other).unwrap_err();
        assert_eq!(err.code(), "FORBIDDEN");
        assert!(authorize_user_access(&signed_in(me, Role::Admin), other).is_ok());
        let err = authorize_user_access(&Identity::Anonymous, me).unwrap_err();
        assert_eq!(err.code(), "UNAUTHENTICATED");
    }
}
