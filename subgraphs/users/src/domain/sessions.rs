//! Signing in, refreshing, signing out.
//!
//! A sign-in starts a refresh-token *family*. Each refresh spends the presented
//! token (it works once) and hands out the next one of the same family.
//! Presenting a spent token again means it was copied: the whole family is
//! revoked, so both the thief and the victim must sign in again.

use std::net::IpAddr;

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use super::accounts::timestamp;
use super::rate_limit::Throttle;
use super::{Accounts, Session, User, UsersError, password, tokens, validate};
use crate::storage::rows::NewRefreshTokenRow;
use crate::storage::{refresh_tokens, users};

enum Refreshed {
    Rotated { user: User, refresh_token: String },
    Reused { family_id: Uuid, user_id: Uuid },
    Invalid,
}

impl Accounts {
    /// Checks the credentials and starts a session. Unknown email and wrong
    /// password take the same path (a password check against a dummy hash) and
    /// give the same error.
    ///
    /// The attempt is counted against the email and the client address before
    /// the password is checked (see [`Throttle`]), and no database connection
    /// is held while it is: verifying waits for a hashing thread, and sign-ins
    /// waiting there must not take the connections every other request needs.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<Session, UsersError> {
        let email = validate::login_email(email)?;
        password::check_length(password)?;
        let email_key = validate::email_key(email);
        let subjects = Throttle::subjects(&email_key, client);
        let throttle = self.throttle();
        let (attempt, row) = {
            let mut conn = self.db.conn().await?;
            let attempt = throttle.reserve_login(&mut conn, &subjects).await?;
            (
                attempt,
                users::find_by_email_key(&mut conn, &email_key).await?,
            )
        };

        let hash = row
            .as_ref()
            .map_or(password::dummy_hash(), |r| r.password_hash.as_str());
        let password_ok = password::verify(password, hash).await;
        let Some(row) = row.filter(|_| password_ok) else {
            // The reserved attempt stays counted: it is this failure.
            return Err(UsersError::WrongCredentials);
        };
        let mut conn = self.db.conn().await?;
        throttle
            .login_succeeded(&mut conn, &email_key, attempt)
            .await?;

        let user = User::try_from(row)?;
        let refresh_token = self
            .store_refresh_token(&mut conn, Uuid::now_v7(), user.id)
            .await?;
        drop(conn);
        tracing::info!(user = %user.id, "signed in");
        self.session(user, refresh_token)
    }

    /// Spends `token` and returns a new session of the same family.
    pub async fn refresh(&self, token: &str) -> Result<Session, UsersError> {
        let token = validate::refresh_token("token", token)?;
        let hash = tokens::digest(token);
        let mut conn = self.db.conn().await?;
        let outcome = conn
            .transaction::<_, UsersError, _>(async |c| {
                let Some(row) = refresh_tokens::lock(c, &hash).await? else {
                    return Ok(Refreshed::Invalid);
                };
                if row.revoked_at.is_some() || row.expires_at <= Utc::now() {
                    return Ok(Refreshed::Invalid);
                }
                if row.used_at.is_some() {
                    refresh_tokens::revoke_family(c, row.family_id).await?;
                    return Ok(Refreshed::Reused {
                        family_id: row.family_id,
                        user_id: row.user_id,
                    });
                }
                refresh_tokens::mark_used(c, &hash).await?;
                let Some(user) = users::find(c, row.user_id).await? else {
                    return Ok(Refreshed::Invalid);
                };
                let user = User::try_from(user)?;
                let refresh_token = self.store_refresh_token(c, row.family_id, user.id).await?;
                Ok(Refreshed::Rotated {
                    user,
                    refresh_token,
                })
            })
            .await?;
        match outcome {
            Refreshed::Rotated {
                user,
                refresh_token,
            } => self.session(user, refresh_token),
            Refreshed::Reused { family_id, user_id } => {
                tracing::warn!(user = %user_id, family = %family_id,
                    "a spent refresh token was presented again; revoked its family");
                Err(UsersError::InvalidRefreshToken)
            }
            Refreshed::Invalid => Err(UsersError::InvalidRefreshToken),
        }
    }

    /// Ends the session `token` belongs to (its whole family). `false` when the
    /// token was unknown or already ended.
    pub async fn logout(&self, token: &str) -> Result<bool, UsersError> {
        let token = validate::refresh_token("refreshToken", token)?;
        let hash = tokens::digest(token);
        let mut conn = self.db.conn().await?;
        let revoked = conn
            .transaction::<_, UsersError, _>(async |c| {
                let Some(row) = refresh_tokens::lock(c, &hash).await? else {
                    return Ok(0);
                };
                Ok(refresh_tokens::revoke_family(c, row.family_id).await?)
            })
            .await?;
        Ok(revoked > 0)
    }

    async fn store_refresh_token(
        &self,
        conn: &mut AsyncPgConnection,
        family_id: Uuid,
        user_id: Uuid,
    ) -> Result<String, UsersError> {
        let token = tokens::random_token()?;
        let ttl = chrono::Duration::from_std(self.policy.refresh_token_ttl)
            .map_err(UsersError::internal)?;
        refresh_tokens::insert(
            conn,
            &NewRefreshTokenRow {
                token_hash: &tokens::digest(&token),
                family_id,
                user_id,
                expires_at: Utc::now() + ttl,
            },
        )
        .await?;
        Ok(token)
    }

    fn session(&self, user: User, refresh_token: String) -> Result<Session, UsersError> {
        let access = self
            .issuer
            .issue(user.id, user.role)
            .map_err(UsersError::internal)?;
        Ok(Session {
            access_token: access.token,
            expires_at: timestamp(access.claims.exp),
            refresh_token,
            user,
        })
    }
}

impl Accounts {
    /// Deletes refresh tokens expired for over a day and sign-in failures that
    /// no longer count.
    pub async fn forget_expired(&self) -> Result<(), UsersError> {
        let mut conn = self.db.conn().await?;
        let tokens =
            refresh_tokens::delete_expired(&mut conn, Utc::now() - chrono::Duration::days(1))
                .await?;
        let failures = self.throttle().forget_old(&mut conn).await?;
        tracing::debug!(tokens, failures, "housekeeping done");
        Ok(())
    }
}
