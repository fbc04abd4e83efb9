//! Backups and restores of a whole database: SQLite's `VACUUM INTO` (a consistent copy while
//! the server goes on writing) and PostgreSQL's `pg_dump`/`pg_restore`. A backup never
//! overwrites a file, and a restore only fills an empty database, in one transaction.

use std::path::{Path, PathBuf};
use std::process::Command;

use sqlx::Connection;

use crate::SqlStore;

/// Why a backup or restore did nothing.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The backup's file is already there.
    #[error("{0} already exists; a backup never overwrites a file")]
    Exists(PathBuf),
    /// The database restored into holds data already.
    #[error("{0} is not empty; restore into a new database")]
    NotEmpty(String),
    /// The file is not a backup this database can take.
    #[error("{path} is not a {expected} backup from rollcall backup")]
    Format {
        /// The file.
        path: PathBuf,
        /// What the database needs.
        expected: &'static str,
    },
    /// The URL is neither `sqlite:` nor `postgres://`.
    #[error("{0:?} is not a sqlite: or postgres:// URL")]
    Url(String),
    /// `pg_dump` or `pg_restore` failed or could not run.
    #[error("{program} failed: {message}")]
    Tool {
        /// The program.
        program: &'static str,
        /// What it said.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] rollcall_store::StoreError),
}

/// A SQLite database file's first bytes.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
/// A `pg_dump --format=custom` file's first bytes.
const PG_DUMP_MAGIC: &[u8] = b"PGDMP";

fn sqlite_path(url: &str) -> Option<&str> {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or(rest))
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The directory of PostgreSQL's programs: `ROLLCALL_PG_BIN`, or the newest Debian
/// `/usr/lib/postgresql/*/bin`; `None` leaves them to `PATH`.
pub fn postgres_bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ROLLCALL_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, bin)| bin.is_dir())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// One of PostgreSQL's programs, from [`postgres_bin_dir`] or `PATH`.
fn pg_program(name: &str) -> PathBuf {
    match postgres_bin_dir().map(|d| d.join(name)) {
        Some(path) if path.exists() => path,
        _ => PathBuf::from(name),
    }
}

async fn run(program: &'static str, args: Vec<std::ffi::OsString>) -> Result<(), BackupError> {
    let output =
        tokio::task::spawn_blocking(move || Command::new(pg_program(program)).args(args).output())
            .await
            .map_err(|e| BackupError::Tool {
                program,
                message: e.to_string(),
            })?
            .map_err(|e| BackupError::Tool {
                program,
                message: format!(
                    "{e}; install PostgreSQL's client programs or set ROLLCALL_PG_BIN"
                ),
            })?;
    if output.status.success() {
        return Ok(());
    }
    Err(BackupError::Tool {
        program,
        message: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
    })
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

impl SqlStore {
    /// Copies a SQLite database to a new file in one consistent snapshot, taking its turn with
    /// the writers.
    async fn vacuum_into(&self, out: &str) -> rollcall_store::Result<()> {
        match &self.pool {
            crate::Pool::Sqlite(_, writer) => {
                let turn = writer.lock().await;
                sqlx::query("VACUUM INTO $1")
                    .bind(out)
                    .execute(&*turn)
                    .await
                    .map(|_| ())
                    .map_err(crate::statements::db)
            }
            crate::Pool::Postgres(_) => Err(rollcall_store::StoreError::Invalid(
                "VACUUM INTO is SQLite's".into(),
            )),
        }
    }
}

/// Writes a backup of the database at `url` to `out`, which must not exist.
pub async fn backup(url: &str, out: &Path) -> Result<(), BackupError> {
    if out.exists() {
        return Err(BackupError::Exists(out.to_owned()));
    }
    if sqlite_path(url).is_some() {
        // Brings the schema up to date first, so that a restore needs no migration.
        let store = SqlStore::connect(url).await?;
        let done = store.vacuum_into(&out.to_string_lossy()).await;
        store.close().await;
        return Ok(done?);
    }
    if !is_postgres(url) {
        return Err(BackupError::Url(url.to_owned()));
    }
    SqlStore::connect(url).await?.close().await;
    run(
        "pg_dump",
        vec![
            "--format=custom".into(),
            "--no-owner".into(),
            "--file".into(),
            out.into(),
            url.into(),
        ],
    )
    .await
}

/// Restores a backup from `from` into the empty database at `url`, then brings its schema up to
/// date.
pub async fn restore(from: &Path, url: &str) -> Result<(), BackupError> {
    let mut head = [0u8; 16];
    let read = {
        use std::io::Read;
        let mut file = std::fs::File::open(from).map_err(io(from))?;
        file.read(&mut head).map_err(io(from))?
    };
    let head = head.get(..read).unwrap_or_default();
    if let Some(path) = sqlite_path(url) {
        if !head.starts_with(SQLITE_MAGIC) {
            return Err(BackupError::Format {
                path: from.to_owned(),
                expected: "SQLite",
            });
        }
        let target = Path::new(path);
        if target.exists() {
            return Err(BackupError::NotEmpty(path.to_owned()));
        }
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        std::fs::copy(from, target).map_err(io(target))?;
    } else if is_postgres(url) {
        if !head.starts_with(PG_DUMP_MAGIC) {
            return Err(BackupError::Format {
                path: from.to_owned(),
                expected: "PostgreSQL",
            });
        }
        let mut connection = sqlx::PgConnection::connect(url)
            .await
            .map_err(crate::statements::unreachable)?;
        let tables: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
        )
        .fetch_one(&mut connection)
        .await
        .map_err(crate::statements::db)?;
        let _ = connection.close().await;
        if tables > 0 {
            return Err(BackupError::NotEmpty(url.to_owned()));
        }
        run(
            "pg_restore",
            vec![
                "--no-owner".into(),
                "--exit-on-error".into(),
                "--single-transaction".into(),
                "--dbname".into(),
                url.into(),
                from.into(),
            ],
        )
        .await?;
    } else {
        return Err(BackupError::Url(url.to_owned()));
    }
    SqlStore::connect(url).await?.close().await;
    Ok(())
}
