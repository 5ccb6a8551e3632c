//! Sign-in throttling: after `max_failures` failed attempts within `window`
//! for the same email, or `max_address_failures` from the same client address
//! (higher: one address may be a whole office behind NAT), further attempts are
//! refused with `TOO_MANY_REQUESTS` until old failures age out. The counts live
//! in Postgres so every replica of the service sees the same ones.

use std::net::IpAddr;
use std::time::Duration;

use chrono::Utc;
use diesel_async::AsyncPgConnection;

use super::UsersError;
use crate::storage::login_failures;

pub struct LoginThrottle {
    max_failures: i64,
    max_address_failures: i64,
    window: Duration,
}

impl LoginThrottle {
    pub fn new(max_failures: i64, max_address_failures: i64, window: Duration) -> Self {
        Self {
            max_failures,
            max_address_failures,
            window,
        }
    }

    fn limit_of(&self, subject: &str) -> i64 {
        if subject.starts_with("ip:") {
            self.max_address_failures
        } else {
            self.max_failures
        }
    }

    /// What failures are counted against: the email, and the client address
    /// when known (an unknown address is not one shared bucket, which would let
    /// anyone lock everybody out).
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

    /// `TOO_MANY_REQUESTS` when any subject has used up its failures.
    pub async fn check(
        &self,
        conn: &mut AsyncPgConnection,
        subjects: &[String],
    ) -> Result<(), UsersError> {
        let counts = login_failures::count_since(conn, subjects, self.window_start()).await?;
        if counts.iter().any(|(s, n)| *n >= self.limit_of(s)) {
            return Err(UsersError::TooManyRequests {
                retry_after_secs: self.window.as_secs(),
            });
        }
        Ok(())
    }

    pub async fn record_failure(
        &self,
        conn: &mut AsyncPgConnection,
        subjects: &[String],
    ) -> Result<(), UsersError> {
        login_failures::record(conn, subjects).await?;
        Ok(())
    }

    /// A successful sign-in forgives the email's failures (not the address's:
    /// one good password must not reset a guessing run across accounts).
    pub async fn record_success(
        &self,
        conn: &mut AsyncPgConnection,
        email_key: &str,
    ) -> Result<(), UsersError> {
        login_failures::clear(conn, &format!("email:{email_key}")).await?;
        Ok(())
    }

    /// Deletes failures that no longer count.
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
            LoginThrottle::subjects("ada@example.com", Some(ip)),
            vec!["email:ada@example.com", "ip:203.0.113.5"]
        );
        assert_eq!(
            LoginThrottle::subjects("ada@example.com", None),
            vec!["email:ada@example.com"]
        );
    }
}
