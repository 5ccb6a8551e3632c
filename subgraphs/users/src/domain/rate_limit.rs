//! Throttling of sign-ins and registrations. The counts live in Postgres so
//! every replica of the service sees the same ones.
//!
//! Sign-in: after `max_failures` failed attempts within `window` for the same
//! email, or `max_address_failures` from the same client address (higher: one
//! address may be a whole office behind NAT), further attempts are refused
//! with `TOO_MANY_REQUESTS` until old failures age out.
//!
//! An attempt is counted *before* its password is checked, in one transaction
//! that locks its subjects, counts them and adds the attempt
//! ([`Throttle::reserve_login`]): concurrent attempts queue on the lock, so no
//! more of them get to check a password than the limit allows, however many
//! arrive at once. A reserved attempt counts as a failure unless it succeeds
//! ([`Throttle::login_succeeded`]).
//!
//! Registration: at most `max_address_registrations` within `window` per
//! client address, counted the same way before the password is hashed.

use std::net::IpAddr;
use std::time::Duration;

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};

use super::{Policy, UsersError};
use crate::storage::login_failures;

pub struct Throttle {
    max_failures: i64,
    max_address_failures: i64,
    /// 0: registrations are not limited.
    max_address_registrations: i64,
    window: Duration,
}

/// A sign-in counted against its subjects before its password is checked:
/// the rows that count it, one per subject.
#[must_use = "a reserved attempt counts as a failure unless it is settled"]
pub struct Reserved {
    rows: Vec<(String, i64)>,
}

const REGISTER_PREFIX: &str = "register:";

impl Throttle {
    pub fn new(policy: &Policy) -> Self {
        Self {
            max_failures: policy.max_login_failures,
            max_address_failures: policy.max_address_failures,
            max_address_registrations: policy.max_address_registrations,
            window: policy.failure_window,
        }
    }

    fn limit_of(&self, subject: &str) -> i64 {
        if subject.starts_with(REGISTER_PREFIX) {
            self.max_address_registrations
        } else if subject.starts_with("ip:") {
            self.max_address_failures
        } else {
            self.max_failures
        }
    }

    /// What sign-in failures are counted against: the email, and the client
    /// address when known (an unknown address is not one shared bucket, which
    /// would let anyone lock everybody out).
    pub fn subjects(email_key: &str, client: Option<IpAddr>) -> Vec<String> {
        let mut subjects = vec![format!("email:{email_key}")];
        if let Some(ip) = client {
            subjects.push(format!("ip:{ip}"));
        }
        subjects
    }

    fn window_start(&self) -> chrono::DateTime<Utc> {
        Utc::now() - chrono::Duration::from_std(self.window).unwrap_or(chrono::TimeDelta::MAX)
    }

    /// Counts a sign-in attempt against `subjects`, or `TOO_MANY_REQUESTS`
    /// when any of them has used up its failures.
    pub async fn reserve_login(
        &self,
        conn: &mut AsyncPgConnection,
        subjects: &[String],
    ) -> Result<Reserved, UsersError> {
        self.reserve(conn, subjects)
            .await?
            .ok_or(UsersError::TooManyRequests {
                retry_after_secs: self.window.as_secs(),
            })
    }

    /// A successful sign-in forgives the email's failures, and is not a
    /// failure of its address (but does not forgive the address's failures
    /// either: one good password must not reset a guessing run across
    /// accounts).
    pub async fn login_succeeded(
        &self,
        conn: &mut AsyncPgConnection,
        email_key: &str,
        attempt: Reserved,
    ) -> Result<(), UsersError> {
        let email = format!("email:{email_key}");
        let others: Vec<i64> = attempt
            .rows
            .iter()
            .filter(|(subject, _)| *subject != email)
            .map(|(_, id)| *id)
            .collect();
        login_failures::clear(conn, &email).await?;
        if !others.is_empty() {
            login_failures::delete_ids(conn, &others).await?;
        }
        Ok(())
    }

    /// Counts a registration from `client`, or `TOO_MANY_REQUESTS` when that
    /// address has registered its share. Nothing is counted for an unknown
    /// address, or when registrations are not limited.
    pub async fn reserve_registration(
        &self,
        conn: &mut AsyncPgConnection,
        client: Option<IpAddr>,
    ) -> Result<(), UsersError> {
        let Some(ip) = client.filter(|_| self.max_address_registrations > 0) else {
            return Ok(());
        };
        let subject = format!("{REGISTER_PREFIX}ip:{ip}");
        match self.reserve(conn, &[subject]).await? {
            Some(_) => Ok(()),
            None => Err(UsersError::TooManyRegistrations {
                retry_after_secs: self.window.as_secs(),
            }),
        }
    }

    /// In one transaction: locks the subjects, counts their attempts within
    /// the window and, when every one is under its limit, adds one. `None`
    /// when some subject is at its limit (nothing is added then).
    async fn reserve(
        &self,
        conn: &mut AsyncPgConnection,
        subjects: &[String],
    ) -> Result<Option<Reserved>, UsersError> {
        let since = self.window_start();
        conn.transaction::<_, UsersError, _>(async |c| {
            login_failures::lock_subjects(c, subjects).await?;
            let counts = login_failures::count_since(c, subjects, since).await?;
            if counts.iter().any(|(s, n)| *n >= self.limit_of(s)) {
                return Ok(None);
            }
            let rows = login_failures::record(c, subjects).await?;
            Ok(Some(Reserved { rows }))
        })
        .await
    }

    /// Deletes attempts that no longer count.
    pub async fn forget_old(&self, conn: &mut AsyncPgConnection) -> Result<usize, UsersError> {
        Ok(login_failures::delete_older_than(conn, self.window_start()).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_name_the_email_and_known_addresses_only() {
        let ip: IpAddr = "203.0.113.5".parse().unwrap();
        assert_eq!(
            Throttle::subjects("ada@example.com", Some(ip)),
            vec!["email:ada@example.com", "ip:203.0.113.5"]
        );
        assert_eq!(
            Throttle::subjects("ada@example.com", None),
            vec!["email:ada@example.com"]
        );
    }

    #[test]
    fn each_kind_of_subject_has_its_limit() {
        let throttle = Throttle::new(&Policy::default());
        assert_eq!(throttle.limit_of("email:ip:1.2.3.4@example.com"), 5);
        assert_eq!(throttle.limit_of("ip:203.0.113.5"), 20);
        assert_eq!(throttle.limit_of("register:ip:203.0.113.5"), 20);
    }
}
