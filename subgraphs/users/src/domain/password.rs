//! Password rules and argon2id hashing. Hashing runs on the blocking pool: it
//! is deliberately slow and must not stall the async workers.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, LazyLock, Mutex, mpsc};

use tokio::sync::oneshot;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use super::UsersError;

pub const MIN_CHARS: usize = 10;
/// Long enough for any passphrase, short enough that hashing stays cheap:
/// checked before every hash or verification (register, sign-in, `mart
/// admin`), so no request makes argon2 digest megabytes.
pub const MAX_CHARS: usize = 256;

/// `BAD_USER_INPUT` on `password` when it is longer than any password an
/// account can have; for sign-in, before the password is verified.
pub fn check_length(password: &str) -> Result<(), UsersError> {
    if password.chars().count() > MAX_CHARS {
        return Err(UsersError::bad_input(
            "password",
            format!("the password may have at most {MAX_CHARS} characters"),
        ));
    }
    Ok(())
}

/// `BAD_USER_INPUT` on `password` unless it has 10–256 characters and is not
/// the account's email.
pub fn check_rules(password: &str, email: &str) -> Result<(), UsersError> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(UsersError::bad_input(
            "password",
            format!("the password needs at least {MIN_CHARS} characters"),
        ));
    }
    check_length(password)?;
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err(UsersError::bad_input(
            "password",
            "the password must not be the email address",
        ));
    }
    Ok(())
}

/// Each argon2 hash in progress holds 19 MiB and a core. Hashing on tokio's
/// blocking pool ran as many at once as requests came (more than there are
/// cores only costs memory), and each of its many threads kept its own
/// allocator arena of freed 19 MiB blocks: a thousand sign-ups grew the process
/// by ~850 MB (bench/README.md, fan-out). A fixed thread per core bounds both.
static HASHERS: LazyLock<mpsc::Sender<Job>> = LazyLock::new(|| {
    release_large_blocks();
    let (jobs, queue) = mpsc::channel::<Job>();
    let queue = Arc::new(Mutex::new(queue));
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    for i in 0..threads {
        let queue = queue.clone();
        std::thread::Builder::new()
            .name(format!("argon2-{i}"))
            .spawn(move || {
                loop {
                    let Ok(job) = queue.lock().expect("never poisoned").recv() else {
                        return;
                    };
                    // A panicking job answers no one (its caller sees an
                    // internal error) and must not take the thread with it.
                    let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
                }
            })
            .expect("a thread for password hashing");
    }
    jobs
});

type Job = Box<dyn FnOnce() + Send>;

/// glibc raises its mmap threshold to the largest block freed, so after the first
/// hash the 19 MiB blocks came from the hashing threads' heaps and stayed there
/// once freed. A fixed threshold maps and unmaps blocks of 4 MiB and more.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_large_blocks() {
    // SAFETY: mallopt only sets an allocator parameter; it is safe at any time.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_large_blocks() {}

/// Runs `work` on a hashing thread.
async fn hashing<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, UsersError> {
    #[cfg(test)]
    gate::pass().await;
    let (answer, answered) = oneshot::channel();
    HASHERS
        .send(Box::new(move || {
            let _ = answer.send(work());
        }))
        .map_err(|_| UsersError::internal("the password hashing threads are gone"))?;
    answered
        .await
        .map_err(|_| UsersError::internal("password hashing failed"))
}

/// An argon2id PHC string with a fresh salt.
pub async fn hash(password: &str) -> Result<String, UsersError> {
    let password = password.to_owned();
    hashing(move || hash_now(&password)).await?
}

fn hash_now(password: &str) -> Result<String, UsersError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(UsersError::internal)
}

/// Whether `password` matches `phc`; a malformed hash never matches.
pub async fn verify(password: &str, phc: &str) -> bool {
    let (password, phc) = (password.to_owned(), phc.to_owned());
    hashing(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), phc.as_str())
            .is_ok()
    })
    .await
    .unwrap_or_else(|e| {
        // Logged here, as the internal error it is; it counts as no match.
        tracing::error!(error = %e, "internal error");
        false
    })
}

/// A random password (144 bits, 24 URL-safe characters) for accounts created
/// without one.
pub fn generate() -> Result<String, UsersError> {
    let mut bytes = [0u8; 18];
    getrandom::fill(&mut bytes).map_err(UsersError::internal)?;
    Ok(super::tokens::encode(&bytes))
}

/// A hash nobody knows the password of, with the same parameters as real ones:
/// an unknown email is checked against it so that it costs what a wrong
/// password costs.
pub fn dummy_hash() -> &'static str {
    static DUMMY: LazyLock<String> = LazyLock::new(|| {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("operating system randomness");
        hash_now(&super::tokens::encode(&secret)).expect("argon2 with default parameters")
    });
    &DUMMY
}

/// Tests only: holds hashing jobs before they reach a hashing thread, as if
/// every thread were busy, and counts them, so a test can see what a request
/// does while it waits for one.
#[cfg(test)]
pub(crate) mod gate {
    use std::sync::LazyLock;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::sync::{Mutex, MutexGuard, watch};

    static OPEN: LazyLock<watch::Sender<bool>> = LazyLock::new(|| watch::Sender::new(true));
    static WAITING: AtomicUsize = AtomicUsize::new(0);
    /// One closer at a time (tests in one process share the gate).
    static CLOSER: Mutex<()> = Mutex::const_new(());

    /// The gate stays closed until this is dropped.
    pub struct Closed {
        _closer: MutexGuard<'static, ()>,
    }

    pub async fn close() -> Closed {
        let closer = CLOSER.lock().await;
        OPEN.send_replace(false);
        Closed { _closer: closer }
    }

    impl Drop for Closed {
        fn drop(&mut self) {
            OPEN.send_replace(true);
        }
    }

    /// Jobs held at the gate right now.
    pub fn waiting() -> usize {
        WAITING.load(Ordering::SeqCst)
    }

    pub(super) async fn pass() {
        let mut open = OPEN.subscribe();
        if *open.borrow_and_update() {
            return;
        }
        WAITING.fetch_add(1, Ordering::SeqCst);
        let _ = open.wait_for(|open| *open).await;
        WAITING.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let email = "ada@example.com";
        assert!(check_rules("correct horse", email).is_ok());
        assert!(check_rules("ten chars!", email).is_ok());
        for bad in ["short", "nine char", "ADA@example.com", &"x".repeat(257)] {
            let err = check_rules(bad, email).unwrap_err();
            assert_eq!(err.code(), "BAD_USER_INPUT", "{bad}");
        }
        // Counted in characters, not bytes.
        assert!(check_rules("ééééé", email).is_err());
    }

    #[tokio::test]
    async fn hashes_are_salted_argon2id_and_verify() {
        let a = hash("correct horse battery").await.unwrap();
        let b = hash("correct horse battery").await.unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "a fresh salt each time");
        assert!(verify("correct horse battery", &a).await);
        assert!(!verify("correct horse battery!", &a).await);
        assert!(!verify("anything", "not a hash").await);
        assert!(!verify("", dummy_hash()).await);
    }
}
