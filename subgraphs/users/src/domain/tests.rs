//! The sign-in rules against a real database, with password hashing held at
//! [`password::gate`] so a test sees what a sign-in does while it waits for a
//! hashing thread.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use mart_service::testkit::{self, DropDatabases};
use tokio::task::JoinHandle;

use super::password::{self, gate};
use super::{Accounts, Session, UsersError};

const PASSWORD: &str = "correct horse battery";

/// An [`Accounts`] over its own database, with a pool of `pool_size`.
struct TestAccounts {
    accounts: Accounts,
    data_dir: PathBuf,
    _databases: DropDatabases,
}

impl TestAccounts {
    async fn new(label: &str, pool_size: usize) -> Self {
        let mut config = testkit::isolated_config(label);
        config.database_pool_size = pool_size;
        config.data_dir =
            std::env::temp_dir().join(format!("mart-users-unit-{}", testkit::unique_suffix()));
        let databases = DropDatabases::new(&config);
        let accounts = crate::accounts(&config).await.expect("the accounts open");
        // What the service pays for at start, so that no sign-in pays for it.
        tokio::task::spawn_blocking(password::dummy_hash)
            .await
            .unwrap();
        Self {
            accounts,
            data_dir: config.data_dir,
            _databases: databases,
        }
    }

    fn login(&self, email: &str, password: &str, client: Option<IpAddr>) -> Attempt {
        let (accounts, email, password) =
            (self.accounts.clone(), email.to_owned(), password.to_owned());
        tokio::spawn(async move { accounts.login(&email, &password, client).await })
    }
}

impl Drop for TestAccounts {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

type Attempt = JoinHandle<Result<Session, UsersError>>;

/// Polls `ready` until it holds; panics after `within`.
async fn until(what: &str, within: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !ready() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting until {what} ({} waiting to be hashed)",
            gate::waiting()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn finished(attempts: &[Attempt]) -> usize {
    attempts.iter().filter(|a| a.is_finished()).count()
}

/// (wrong credentials, too many requests, signed in)
async fn outcomes(attempts: Vec<Attempt>) -> (usize, usize, usize) {
    let mut counts = (0, 0, 0);
    for attempt in attempts {
        match attempt.await.expect("the sign-in does not panic") {
            Err(UsersError::WrongCredentials) => counts.0 += 1,
            Err(UsersError::TooManyRequests { .. }) => counts.1 += 1,
            Ok(_) => counts.2 += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    counts
}

/// Twelve wrong passwords at once against a limit of five: the five that are
/// counted first get their password checked, the other seven are refused
/// before any hashing (checking, then recording after the hash, let all
/// twelve through).
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_wrong_passwords_get_no_more_checks_than_the_limit() {
    let t = TestAccounts::new("users_unit_race", 16).await;
    let email = "race@example.com";
    t.accounts
        .register(email, PASSWORD, "Race", None)
        .await
        .unwrap();
    let client: Option<IpAddr> = Some("203.0.113.50".parse().unwrap());

    let held = gate::close().await;
    let attempts: Vec<Attempt> = (0..12)
        .map(|_| t.login(email, "not the password", client))
        .collect();
    until(
        "every attempt is refused or waits to be checked",
        Duration::from_secs(30),
        || finished(&attempts) + gate::waiting() == 12,
    )
    .await;
    drop(held);
    assert_eq!(outcomes(attempts).await, (5, 7, 0));

    // The right password is refused too now, without being checked.
    let refused = t.login(email, PASSWORD, None).await.unwrap();
    assert!(
        matches!(refused, Err(UsersError::TooManyRequests { .. })),
        "{refused:?}"
    );
}

/// Sixteen sign-ins waiting for a hashing thread with a pool of two
/// connections: none of them holds one, so all sixteen get as far as the
/// hashing, and other requests still find a connection (holding one through
/// the hashing let two through and starved everything else).
#[tokio::test(flavor = "multi_thread")]
async fn sign_ins_waiting_to_be_hashed_hold_no_database_connection() {
    let t = TestAccounts::new("users_unit_pool", 2).await;
    let email = "pool@example.com";
    t.accounts
        .register(email, PASSWORD, "Pool", None)
        .await
        .unwrap();

    let held = gate::close().await;
    let mut attempts: Vec<Attempt> = (0..15)
        .map(|i| t.login(&format!("nobody-{i}@example.com"), "not the password", None))
        .collect();
    attempts.push(t.login(email, PASSWORD, None));
    until(
        "all sixteen sign-ins wait for a hashing thread",
        Duration::from_secs(20),
        || gate::waiting() == 16,
    )
    .await;
    let conn = tokio::time::timeout(Duration::from_secs(10), t.accounts.db().conn())
        .await
        .expect("a connection is free while the sign-ins wait")
        .unwrap();
    drop(conn);
    drop(held);
    assert_eq!(outcomes(attempts).await, (15, 0, 1));
}
