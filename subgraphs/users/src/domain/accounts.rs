//! Creating accounts, reading them, changing roles.

use std::net::IpAddr;

use chrono::{DateTime, SubsecRound, Utc};
use diesel_async::AsyncConnection;
use mart_auth::Role;
use mart_service::Identity;
use uuid::Uuid;

use super::{Accounts, User, UsersError, access, password, validate};
use crate::emit;
use crate::storage::rows::{NewUserRow, UserRow};
use crate::storage::users;

impl TryFrom<UserRow> for User {
    type Error = UsersError;
    fn try_from(row: UserRow) -> Result<Self, UsersError> {
        let role = Role::parse(&row.role).ok_or_else(|| {
            UsersError::internal(format!("user {} has role {:?}", row.id, row.role))
        })?;
        Ok(User {
            id: row.id,
            email: row.email,
            name: row.name,
            role,
            created_at: row.created_at,
        })
    }
}

/// What [`Accounts::ensure_user`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnsureOutcome {
    Created,
    Updated,
    Unchanged,
}

impl Accounts {
    /// A new customer account; emits `user.registered`.
    ///
    /// The answer never tells whether the email already had an account: for
    /// one that did, nothing is created, changed or emitted, and the answer is
    /// shaped like a new account's (a fresh id, the email and name as given,
    /// now) after the same work (one hash, one insert). Only signing in tells,
    /// and registrations are counted per client address (`TOO_MANY_REQUESTS`
    /// past the limit) before the password is hashed, whichever way they end.
    pub async fn register(
        &self,
        email: &str,
        password: &str,
        name: &str,
        client: Option<IpAddr>,
    ) -> Result<User, UsersError> {
        let email = validate::email(email)?;
        let name = validate::name("name", name)?;
        password::check_rules(password, &email)?;
        {
            let mut conn = self.db.conn().await?;
            self.throttle()
                .reserve_registration(&mut conn, client)
                .await?;
        }
        let hash = password::hash(password).await?;
        match self.create(&email, &name, Role::Customer, &hash).await {
            Err(UsersError::EmailTaken) => {
                tracing::info!("a registration named an existing account's email; nothing created");
                Ok(unregistered(email, name))
            }
            created => created,
        }
    }

    async fn create(
        &self,
        email: &str,
        name: &str,
        role: Role,
        password_hash: &str,
    ) -> Result<User, UsersError> {
        let row = NewUserRow {
            id: Uuid::now_v7(),
            email,
            name,
            role: role.as_str(),
            password_hash,
        };
        let mut conn = self.db.conn().await?;
        let user = conn
            .transaction::<_, UsersError, _>(async |c| {
                let user = User::try_from(users::insert(c, &row).await.map_err(|e| {
                    if users::is_duplicate_email(&e) {
                        UsersError::EmailTaken
                    } else {
                        e.into()
                    }
                })?)?;
                mart_events::enqueue(c, &emit::registered(&user)).await?;
                Ok(user)
            })
            .await?;
        self.outbox.committed();
        tracing::info!(user = %user.id, role = user.role.as_str(), "account created");
        Ok(user)
    }

    /// The account `user_id` if `identity` may see it: `FORBIDDEN` for anyone
    /// but its owner and staff; `None` when staff ask for an unknown id.
    pub async fn user(
        &self,
        identity: &Identity,
        user_id: Uuid,
    ) -> Result<Option<User>, UsersError> {
        access::authorize_user_access(identity, user_id)?;
        self.find(user_id).await
    }

    /// The caller's own account (`None` when anonymous, or when the account
    /// was deleted after the token was issued).
    pub async fn me(&self, identity: &Identity) -> Result<Option<User>, UsersError> {
        match identity.user() {
            Some(caller) => self.find(caller.id).await,
            None => Ok(None),
        }
    }

    async fn find(&self, user_id: Uuid) -> Result<Option<User>, UsersError> {
        let mut conn = self.db.conn().await?;
        let row = users::find(&mut conn, user_id).await?;
        row.map(User::try_from).transpose()
    }

    /// Staff only. Staff cannot change their own role, so the last admin
    /// cannot lock everybody out by accident.
    pub async fn set_role(
        &self,
        identity: &Identity,
        user_id: Uuid,
        role: Role,
    ) -> Result<User, UsersError> {
        let caller = access::require_signed_in(identity)?;
        if !caller.is_admin() {
            return Err(UsersError::Forbidden);
        }
        if caller.id == user_id {
            return Err(UsersError::bad_input(
                "userId",
                "you cannot change your own role",
            ));
        }
        let mut conn = self.db.conn().await?;
        let row = users::set_role(&mut conn, user_id, role.as_str())
            .await?
            .ok_or(UsersError::NoUser(user_id))?;
        tracing::info!(user = %user_id, role = role.as_str(), by = %caller.id, "role changed");
        User::try_from(row)
    }

    /// Creates the account, or brings an existing one (same email, any case) to
    /// `role` and, when given, `password` and `name`. For `mart admin create`
    /// and seeding; creating needs a password.
    pub async fn ensure_user(
        &self,
        email: &str,
        password: Option<&str>,
        name: Option<&str>,
        role: Role,
    ) -> Result<(User, EnsureOutcome), UsersError> {
        let email = validate::email(email)?;
        let name = name.map(|n| validate::name("name", n)).transpose()?;
        if let Some(password) = password {
            password::check_rules(password, &email)?;
        }
        let mut conn = self.db.conn().await?;
        let existing = users::find_by_email_key(&mut conn, &validate::email_key(&email)).await?;
        let Some(mut row) = existing else {
            drop(conn);
            let password = password.ok_or_else(|| {
                UsersError::bad_input("password", "a new account needs a password")
            })?;
            let name =
                name.unwrap_or_else(|| email.split('@').next().unwrap_or("user").to_string());
            let hash = password::hash(password).await?;
            let user = self.create(&email, &name, role, &hash).await?;
            return Ok((user, EnsureOutcome::Created));
        };
        let mut outcome = EnsureOutcome::Unchanged;
        if let Some(password) = password
            && !password::verify(password, &row.password_hash).await
        {
            let hash = password::hash(password).await?;
            users::set_password_hash(&mut conn, row.id, &hash).await?;
            outcome = EnsureOutcome::Updated;
        }
        if row.role != role.as_str() {
            row = users::set_role(&mut conn, row.id, role.as_str())
                .await?
                .ok_or_else(|| UsersError::internal("the user vanished while being updated"))?;
            outcome = EnsureOutcome::Updated;
        }
        Ok((User::try_from(row)?, outcome))
    }

    /// Email of an existing account, if any (CLI checks).
    pub async fn exists(&self, email: &str) -> Result<bool, UsersError> {
        let mut conn = self.db.conn().await?;
        Ok(
            users::find_by_email_key(&mut conn, &validate::email_key(email))
                .await?
                .is_some(),
        )
    }
}

/// What `register` answers for an email that already has an account: what a
/// new account would look like (a fresh id, `createdAt` to the microsecond as
/// Postgres stores it), though none exists.
fn unregistered(email: String, name: String) -> User {
    User {
        id: Uuid::now_v7(),
        email,
        name,
        role: Role::Customer,
        created_at: Utc::now().trunc_subsecs(6),
    }
}

/// When a session's access token expires, as a timestamp.
pub(super) fn timestamp(secs: u64) -> DateTime<Utc> {
    DateTime::from_timestamp(i64::try_from(secs).unwrap_or(i64::MAX), 0).unwrap_or_default()
}
