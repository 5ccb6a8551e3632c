//! The events the users service emits, built from domain values inside the
//! transaction that makes the change.

use mart_events::catalog::UserRegistered;

use crate::domain::User;

pub fn registered(user: &User) -> UserRegistered {
    UserRegistered {
        user_id: user.id,
        email: user.email.clone(),
        name: user.name.clone(),
        role: user.role.as_str().to_ascii_uppercase(),
        registered_at: user.created_at,
    }
}
