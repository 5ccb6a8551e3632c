//! Demo accounts for `mart seed --demo` / `mart up`: one staff member, one customer,
//! with fixed, printed credentials. Idempotent: running it again resets them to
//! exactly these credentials and roles.

use mart_auth::Role;
use mart_service::ServiceConfig;

use crate::domain::{EnsureOutcome, UsersError};

/// A demo account and the password it was left with.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub role: Role,
    pub email: &'static str,
    pub password: &'static str,
    pub outcome: EnsureOutcome,
}

const DEMO: [(Role, &str, &str, &str); 2] = [
    (
        Role::Admin,
        "admin@mart.example",
        "mart-admin-demo",
        "Demo Admin",
    ),
    (
        Role::Customer,
        "customer@mart.example",
        "mart-customer-demo",
        "Demo Customer",
    ),
];

pub async fn seed(config: &ServiceConfig) -> Result<Vec<DemoAccount>, SeedError> {
    let accounts = crate::accounts(config).await?;
    let mut seeded = Vec::new();
    for (role, email, password, name) in DEMO {
        let (_, outcome) = accounts
            .ensure_user(email, Some(password), Some(name), role)
            .await?;
        seeded.push(DemoAccount {
            role,
            email,
            password,
            outcome,
        });
    }
    Ok(seeded)
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Start(#[from] mart_service::StartError),
    #[error(transparent)]
    Users(#[from] UsersError),
}
