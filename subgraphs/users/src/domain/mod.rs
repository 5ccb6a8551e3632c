//! The rules of accounts and sign-in, as plain functions and one service
//! object, [`Accounts`], that the GraphQL layer and the CLI call.

mod access;
mod accounts;
mod addresses;
mod error;
pub mod password;
mod rate_limit;
mod sessions;
#[cfg(test)]
mod tests;
mod tokens;
pub mod validate;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use mart_auth::{Role, TokenIssuer};
use mart_events::OutboxSignal;
use mart_service::Database;
use uuid::Uuid;

pub use access::{authorize_user_access, require_signed_in};
pub use accounts::EnsureOutcome;
pub use error::UsersError;
pub use rate_limit::Throttle;

/// An account as the rest of the system sees it: never its password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

/// A postal address of a user; `country` is an ISO 3166-1 alpha-2 code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    pub country: String,
}

/// A new address as submitted, before validation.
#[derive(Debug, Clone, Default)]
pub struct AddressInput {
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    pub country: String,
}

/// What signing in (or refreshing) hands the client.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: String,
    pub expires_at: DateTime<Utc>,
    /// Opaque; only its SHA-256 is stored.
    pub refresh_token: String,
    pub user: User,
}

/// Limits of the account rules; the defaults are what production uses.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Lifetime of a refresh token, renewed at each rotation (default 30 days).
    pub refresh_token_ttl: Duration,
    /// Failed sign-ins per email within `failure_window` before further
    /// attempts are refused (default 5).
    pub max_login_failures: i64,
    /// Failed sign-ins per client address within `failure_window`, over all
    /// emails (default 20).
    pub max_address_failures: i64,
    /// Accounts registered per client address within `failure_window`
    /// (default 20; 0: no limit).
    pub max_address_registrations: i64,
    /// The window sign-in failures and registrations are counted in
    /// (default 15 minutes).
    pub failure_window: Duration,
    /// Addresses one user may keep (default 20).
    pub max_addresses: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            max_login_failures: 5,
            max_address_failures: 20,
            max_address_registrations: 20,
            failure_window: Duration::from_secs(15 * 60),
            max_addresses: 20,
        }
    }
}

/// The users service's operations over its database and token issuer.
#[derive(Clone)]
pub struct Accounts {
    db: Database,
    outbox: OutboxSignal,
    issuer: Arc<TokenIssuer>,
    policy: Policy,
}

impl Accounts {
    pub fn new(
        db: Database,
        outbox: OutboxSignal,
        issuer: Arc<TokenIssuer>,
        policy: Policy,
    ) -> Self {
        Self {
            db,
            outbox,
            issuer,
            policy,
        }
    }

    pub fn db(&self) -> &Database {
        &self.db
    }

    pub fn issuer(&self) -> &TokenIssuer {
        &self.issuer
    }

    fn throttle(&self) -> Throttle {
        Throttle::new(&self.policy)
    }
}
