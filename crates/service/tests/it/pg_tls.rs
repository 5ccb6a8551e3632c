//! TLS to PostgreSQL (`MART_DATABASE_TLS`), against a real server of this test's own:
//! initdb'd in a temporary directory, with a certificate for `localhost` from a CA made
//! here, accepting only TLS connections. A service's database opens (created, migrated,
//! pooled) over TLS with the CA trusted; without TLS the server refuses it, and with an
//! unknown CA the client refuses the server.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use mart_service::testkit::tls::TestCa;
use mart_service::testkit::{self, free_port};
use mart_service::{Database, DbError};

/// The directory of PostgreSQL's programs (`initdb`, `postgres`).
fn pg_bin() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed (./dev services)")
        .map(|e| e.unwrap().path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().expect("an initdb under /usr/lib/postgresql")
}

/// The `postgres` user's uid and gid, when this runs as root (PostgreSQL refuses to run
/// as root); `None` otherwise.
fn postgres_user() -> Option<(u32, u32)> {
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let name = std::ffi::CString::new("postgres").unwrap();
    let entry = unsafe { libc::getpwnam(name.as_ptr()) };
    assert!(
        !entry.is_null(),
        "a postgres user (PostgreSQL's package makes it)"
    );
    let entry = unsafe { &*entry };
    Some((entry.pw_uid, entry.pw_gid))
}

/// `program args…` as the `postgres` user when this runs as root: set in the child
/// itself, so the child is the program (its pid is the server's, for the signal that
/// stops it).
fn as_postgres(program: &Path, args: &[&str]) -> Command {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new(program);
    command.args(args);
    if let Some((uid, gid)) = postgres_user() {
        command.uid(uid).gid(gid);
    }
    command
}

fn chown_to_postgres(path: &Path) {
    if let Some((uid, gid)) = postgres_user() {
        for entry in walk(path) {
            std::os::unix::fs::chown(&entry, Some(uid), Some(gid)).unwrap();
        }
    }
}

fn walk(path: &Path) -> Vec<PathBuf> {
    let mut all = vec![path.to_path_buf()];
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            all.extend(walk(&entry.unwrap().path()));
        }
    }
    all
}

/// A PostgreSQL server that speaks only TLS; stopped (fast shutdown) when dropped.
struct TlsServer {
    dir: PathBuf,
    port: u16,
    server: Child,
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        // SIGINT: fast shutdown, the backends end with the postmaster.
        unsafe { libc::kill(self.server.id() as i32, libc::SIGINT) };
        let _ = self.server.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn tls_server(ca: &TestCa) -> TlsServer {
    let bin = pg_bin();
    let dir = std::env::temp_dir().join(format!("mart-pgtls-{}", testkit::unique_suffix()));
    let data = dir.join("data");
    std::fs::create_dir_all(&dir).unwrap();
    chown_to_postgres(&dir);
    let initdb = as_postgres(
        &bin.join("initdb"),
        &[
            "-D",
            data.to_str().unwrap(),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        ],
    )
    .stdout(Stdio::null())
    .status()
    .unwrap();
    assert!(initdb.success(), "initdb failed");

    let leaf = ca.localhost();
    std::fs::write(data.join("server.crt"), &leaf.cert_pem).unwrap();
    std::fs::write(data.join("server.key"), &leaf.key_pem).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        data.join("server.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let port = free_port();
    let conf = format!(
        "\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n\
         listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{}'\n\
         max_connections = 20\nfsync = off\n",
        dir.display()
    );
    let mut postgresql = std::fs::read_to_string(data.join("postgresql.conf")).unwrap();
    postgresql.push_str(&conf);
    std::fs::write(data.join("postgresql.conf"), postgresql).unwrap();
    // TLS or nothing.
    std::fs::write(
        data.join("pg_hba.conf"),
        "hostssl all all 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 reject\n",
    )
    .unwrap();
    chown_to_postgres(&dir);
    let server = as_postgres(&bin.join("postgres"), &["-D", data.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = TlsServer { dir, port, server };
    testkit::eventually(
        "the TLS PostgreSQL to listen",
        Duration::from_secs(30),
        || async {
            tokio::net::TcpStream::connect(("127.0.0.1", server.port))
                .await
                .ok()
                .map(drop)
        },
    )
    .await;
    server
}

async fn open(server: &TlsServer, tls: Option<&str>) -> Result<Database, DbError> {
    let mut config = testkit::isolated_config("pgtls");
    // `localhost`: the name the certificate is for.
    config.database_url = format!("postgres://postgres@localhost:{}", server.port);
    config.database_tls =
        tls.map(|pem| mart_auth::tls::rustls_client_config(&[pem.as_bytes().to_vec()]).unwrap());
    Database::open_named(&config, "t_pgtls", &[&mart_events::MIGRATIONS]).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_over_tls_opens_with_its_ca_and_not_without() {
    let trusted = TestCa::new("Mart test CA");
    let server = tls_server(&trusted).await;

    // Plain connections are refused by the server, once it takes sessions at all: it
    // listens a moment before it does ("the database system is starting up").
    let plain = testkit::eventually(
        "the TLS PostgreSQL to take sessions",
        Duration::from_secs(30),
        || async {
            match open(&server, None).await {
                Err(e) if e.to_string().contains("starting up") => None,
                other => Some(other),
            }
        },
    )
    .await
    .err()
    .expect("refused");
    assert!(
        plain.to_string().contains("pg_hba") || plain.to_string().contains("reject"),
        "{plain}"
    );
    // A certificate from a CA the client does not know is refused by the client.
    let stranger = TestCa::new("Another CA");
    let unknown = open(&server, Some(&stranger.pem))
        .await
        .err()
        .expect("refused");
    assert!(unknown.to_string().contains("TLS handshake"), "{unknown}");

    // Created, migrated and pooled over TLS; the server says the session is encrypted.
    let db = testkit::eventually(
        "the database to open over TLS",
        Duration::from_secs(30),
        || async { open(&server, Some(&trusted.pem)).await.ok() },
    )
    .await;
    db.ping().await.unwrap();
    #[derive(diesel::QueryableByName)]
    struct Ssl {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        ssl: bool,
    }
    let mut conn = db.conn().await.unwrap();
    let row: Ssl = diesel_async::RunQueryDsl::get_result(
        diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"),
        &mut conn,
    )
    .await
    .unwrap();
    assert!(row.ssl, "the pooled connection is encrypted");
}
