//! Test support shared by rollcall's test suites.
//!
//! [`database`] gives each test its own empty database on either backend. For PostgreSQL the
//! first call starts a throwaway cluster (initdb and postgres, from `ROLLCALL_PG_BIN`, the newest
//! `/usr/lib/postgresql/*/bin`, or `PATH`) that lives as long as the test process: it is started
//! under a shell that stops it and removes its files when the process's end closes its stdin.

// Test support: a failure to set up is a failed test, said plainly.
#![allow(clippy::expect_used, clippy::panic)]

pub mod fixture;

use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use rollcall_store_sql::SqlStore;
use sqlx::Connection;

/// Defines a `#[tokio::test]` for each named test function, which takes a [`Backend`], once on
/// SQLite (in `mod sqlite`) and once on PostgreSQL (in `mod postgres`), so that every suite runs
/// on both databases. Use it at the root of a test binary.
#[macro_export]
macro_rules! on_both_backends {
    ($($module:ident :: $test:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                super::$module::$test($crate::Backend::Sqlite).await
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                super::$module::$test($crate::Backend::Postgres).await
            })*
        }
    };
}

/// A database backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A database in the test process's PostgreSQL cluster.
    Postgres,
}

/// An empty database for one test.
pub struct TestDb {
    /// Its URL.
    pub url: String,
    /// The backend.
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A store on this database.
    pub async fn store(&self) -> SqlStore {
        SqlStore::connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", self.url))
    }

    /// Runs one SQL statement on its own connection, outside the store: for tests that must
    /// reach past it (to tamper with a ledger, say). The rows it changed.
    pub async fn execute(&self, sql: &str) -> Result<u64, sqlx::Error> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self.backend {
            Backend::Sqlite => {
                let mut connection = sqlx::SqliteConnection::connect(&self.url).await?;
                let done = sqlx::query(sql).execute(&mut connection).await?;
                Ok(done.rows_affected())
            }
            Backend::Postgres => {
                let mut connection = sqlx::PgConnection::connect(&self.url).await?;
                let done = sqlx::query(sql).execute(&mut connection).await?;
                Ok(done.rows_affected())
            }
        }
    }

    /// The one number a query (`SELECT COUNT(*) ...`) answers, on its own connection.
    pub async fn count(&self, sql: &str) -> i64 {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        let counted: Result<i64, sqlx::Error> = match self.backend {
            Backend::Sqlite => match sqlx::SqliteConnection::connect(&self.url).await {
                Ok(mut c) => sqlx::query_scalar(sql).fetch_one(&mut c).await,
                Err(e) => Err(e),
            },
            Backend::Postgres => match sqlx::PgConnection::connect(&self.url).await {
                Ok(mut c) => sqlx::query_scalar(sql).fetch_one(&mut c).await,
                Err(e) => Err(e),
            },
        };
        counted.unwrap_or_else(|e| panic!("{e}"))
    }

    /// Brings the query planner's statistics up to date, as a server's routine maintenance
    /// (PostgreSQL's autovacuum) would have.
    pub async fn analyze(&self) {
        self.execute("ANALYZE").await.expect("ANALYZE runs");
    }
}

static NEXT_DATABASE: AtomicU64 = AtomicU64::new(1);

/// A new, empty database on `backend`.
pub async fn database(backend: Backend) -> TestDb {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let url = format!("sqlite://{}", dir.path().join("rollcall.sqlite").display());
            TestDb {
                url,
                backend,
                _dir: Some(dir),
            }
        }
        Backend::Postgres => database_in(cluster()).await,
    }
}

/// A new, empty PostgreSQL database in a given cluster.
pub async fn database_in(cluster: &Cluster) -> TestDb {
    let name = format!(
        "test_{}_{}",
        std::process::id(),
        NEXT_DATABASE.fetch_add(1, Ordering::Relaxed)
    );
    // A cluster just started may still refuse connections for a moment.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut admin = loop {
        match sqlx::PgConnection::connect(&cluster.url("postgres")).await {
            Ok(connection) => break connection,
            Err(e) if Instant::now() > deadline => {
                panic!("the test cluster refuses connections: {e}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("a test database");
    TestDb {
        url: cluster.url(&name),
        backend: Backend::Postgres,
        _dir: None,
    }
}

/// The test process's PostgreSQL cluster.
pub struct Cluster {
    port: u16,
    socket_dir: PathBuf,
    // Held open for the life of the process: its closing stops the cluster.
    _watchdog: Mutex<(Child, ChildStdin)>,
}

impl Cluster {
    /// The cluster's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory of the cluster's Unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// The URL of a database in the cluster, over its Unix socket as a server on the same
    /// machine would be reached.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://rollcall@localhost/{database}?host={}&port={}",
            self.socket_dir.display(),
            self.port
        )
    }
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
static DURABLE: OnceLock<Cluster> = OnceLock::new();

/// The test process's PostgreSQL cluster, started on first use. Durability is off: a
/// throwaway cluster need not survive a power cut, and tests run faster without fsync.
pub fn cluster() -> &'static Cluster {
    CLUSTER.get_or_init(|| start_cluster(false))
}

/// A cluster with PostgreSQL's default durability (fsync and synchronous commit on), for
/// benchmarks whose figures must hold for a real server.
pub fn durable_cluster() -> &'static Cluster {
    DURABLE.get_or_init(|| start_cluster(true))
}

/// A PostgreSQL program (`pgbench`, `psql`) from the same installation as the clusters.
pub fn postgres_program(name: &str) -> PathBuf {
    let path = postgres_bin().join(name);
    if path.exists() {
        path
    } else {
        PathBuf::from(name)
    }
}

fn postgres_bin() -> PathBuf {
    rollcall_store_sql::postgres_bin_dir().unwrap_or_default()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// A command for the cluster's programs, run as the `postgres` user when the tests run as root
/// (PostgreSQL refuses to run as root).
fn command(bin: &Path, program: &str, as_postgres: bool) -> Command {
    let path = bin.join(program);
    let program = if path.exists() {
        path
    } else {
        PathBuf::from(program)
    };
    if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn start_cluster(durable: bool) -> Cluster {
    let bin = postgres_bin();
    let as_postgres = is_root();
    let kind = if durable { "durable" } else { "test" };
    let root = std::env::temp_dir().join(format!("rollcall-pg-{kind}-{}", std::process::id()));
    let data = root.join("data");
    std::fs::create_dir_all(&root).expect("a directory for the test cluster");
    if as_postgres {
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&root)
            .status()
            .expect("chown runs");
        assert!(
            status.success(),
            "cannot give the test cluster's directory to postgres"
        );
    }
    let output = command(&bin, "initdb", as_postgres)
        .arg("-D")
        .arg(&data)
        .args(["-A", "trust", "-U", "rollcall", "-E", "UTF8", "--locale=C", "--no-sync"])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL's initdb is needed for the tests ({e}); run scripts/test, which installs \
                 Debian's postgresql, or set ROLLCALL_PG_BIN"
            )
        });
    assert!(
        output.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let postgres = bin.join("postgres");
    let postgres = if postgres.exists() {
        postgres.display().to_string()
    } else {
        "postgres".to_owned()
    };
    // A durable cluster is for benchmarks, which break down what each statement costs.
    let settings = if durable {
        "-c max_connections=300 -c shared_buffers=512MB \
         -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
    } else {
        "-c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    };
    let script = format!(
        "{postgres} -D '{data}' -k '{root}' -h 127.0.0.1 -p {port} {settings} \
         > '{root}/postgres.log' 2>&1 & pid=$!; read _; kill -INT $pid; wait $pid; rm -rf '{root}'",
        data = data.display(),
        root = root.display(),
    );
    let mut shell = if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", "sh", "-c", &script]);
        c
    } else {
        let mut c = Command::new("sh");
        c.args(["-c", &script]);
        c
    };
    let mut child = shell
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the test cluster starts");
    let stdin = child.stdin.take().expect("the watchdog's stdin");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the test cluster did not start; see {}/postgres.log",
            root.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Cluster {
        port,
        socket_dir: root,
        _watchdog: Mutex::new((child, stdin)),
    }
}
