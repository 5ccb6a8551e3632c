//! A tansu broker of a test's own, as a real process the test can SIGKILL and
//! start again: it stores in a directory of the test's, so a restart keeps
//! messages and committed offsets, as a production broker's disk would.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Broker {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Broker {
    /// Starts `tansu` listening on `port`, storing in `dir`.
    pub fn start(dir: &Path, port: u16) -> Self {
        Self::start_with(dir, port, &[])
    }

    /// A broker that admits only clients that authenticate (SASL/SCRAM) as `user` with
    /// `password`: the user is created through a plain broker on the same storage, which
    /// is then started again with `--authentication`.
    /// `advertised`, when given, is the address clients are told to use (a TLS proxy's).
    pub async fn start_authenticating(
        dir: &Path,
        port: u16,
        advertised: Option<&str>,
        user: &str,
        password: &str,
    ) -> Self {
        let plain = Self::start(dir, port);
        plain.wait_until_listening().await;
        let broker = format!("tcp://127.0.0.1:{port}");
        let created = Command::new("tansu")
            .args(["user", "create", "--broker", &broker, user, password])
            .args(["--mechanism", "scram512"])
            .output()
            .expect("tansu user create runs");
        assert!(
            created.status.success(),
            "tansu user create: {}",
            String::from_utf8_lossy(&created.stderr)
        );
        plain.kill();
        let mut extra = vec!["--authentication"];
        let advertised = advertised.map(|a| format!("tcp://{a}"));
        if let Some(advertised) = &advertised {
            extra.extend(["--advertised-listener-url", advertised]);
        }
        let broker = Self::start_with(dir, port, &extra);
        broker.wait_until_listening().await;
        broker
    }

    fn start_with(dir: &Path, port: u16, extra: &[&str]) -> Self {
        let url = format!("tcp://127.0.0.1:{port}");
        // A later --advertised-listener-url wins over this one.
        let advertised_here = !extra.contains(&"--advertised-listener-url");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("broker.log"))
            .expect("the broker's log file");
        let child = Command::new("tansu")
            .current_dir(dir)
            .args(["broker", "--listener-url", &url])
            .args(
                advertised_here
                    .then_some(["--advertised-listener-url", url.as_str()])
                    .into_iter()
                    .flatten(),
            )
            .args(["--storage-engine", "sqlite://tansu.db"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("tansu is installed (see STACK.md)");
        Self {
            child,
            dir: dir.to_path_buf(),
            port,
        }
    }

    /// `host:port`, for `MART_KAFKA_BROKERS`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn wait_until_listening(&self) {
        let port = self.port;
        super::eventually(
            "the broker to listen",
            Duration::from_secs(20),
            || async move { TcpStream::connect(("127.0.0.1", port)).ok().map(drop) },
        )
        .await;
    }

    /// SIGKILL: no flush, no goodbye to its clients.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL the broker");
        self.child.wait().expect("reap the broker");
    }

    /// Kills it and starts it again on the same port and storage.
    pub async fn restart(self) -> Self {
        let (dir, port) = (self.dir.clone(), self.port);
        self.kill();
        let broker = Self::start(&dir, port);
        broker.wait_until_listening().await;
        broker
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on now, for a process a test starts to listen on.
///
/// Taken below the kernel's ephemeral range (32768–60999 on Linux), not from it: a port
/// the kernel hands out for `bind(0)` is also what it hands out as the source port of
/// every outgoing connection, and with tests running side by side one of them (or
/// another test's `bind(0)`) could take it before the started process bound it. A chaos
/// test's router port once answered as another test's subgraph ("the request is not
/// signed"). Each pick starts at a random place in 10000–32767 and takes the first port
/// that binds.
pub fn free_port() -> u16 {
    use std::hash::{BuildHasher, RandomState};
    const LOW: u32 = 10_000;
    const HIGH: u32 = 32_768;
    let start = RandomState::new().hash_one(std::time::Instant::now()) as u32;
    for i in 0..(HIGH - LOW) {
        let port = (LOW + (start.wrapping_add(i)) % (HIGH - LOW)) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port in {LOW}..{HIGH}");
}
