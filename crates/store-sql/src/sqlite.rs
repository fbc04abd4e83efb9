//! SQLite's connections: a pool for reads, one connection for the one writer, and the
//! checkpoints that copy the write-ahead log into the database file in the background.
//!
//! By default SQLite checkpoints from the commit that takes the log past 1,000 pages: that
//! commit copies every page and waits for two fsyncs while holding the only writer, so every
//! register queued behind it waits too. Here a task checkpoints from a reading connection
//! instead, which SQLite runs beside the writer, and each page written many times over (the
//! day's marks, the indexes' upper pages) is copied once per checkpoint rather than once per
//! thousand pages. A commit still checkpoints itself if the log ever grows far past that.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::statements::{Result, db};

/// How often the log is copied into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Pages of log past which a connection's commit checkpoints itself, should the background
/// fall behind.
const CHECKPOINT_ITSELF_PAST: u32 = 20_000;

/// The connections to one SQLite database.
pub(crate) struct Connections {
    pub reads: SqlitePool,
    pub writer: SqlitePool,
    pub checkpoints: Checkpoints,
}

/// The background checkpoints, which stop with the store.
pub(crate) struct Checkpoints(tokio::task::JoinHandle<()>);

impl Drop for Checkpoints {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Opens `sqlite://PATH` (created if missing), bringing the schema up to date.
pub(crate) async fn connect(url: &str) -> Result<Connections> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(db)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(30))
        .pragma("wal_autocheckpoint", CHECKPOINT_ITSELF_PAST.to_string())
        // Reads straight from the mapped file rather than copying every page through a read
        // call: a school's register read a third faster (BENCHMARKS.md).
        .pragma("mmap_size", "1073741824");
    // A broken connection fails its query and is replaced; pinging every connection on
    // checkout would cost a round trip per query.
    let reads = SqlitePoolOptions::new()
        .max_connections(8)
        .test_before_acquire(false)
        .connect_with(options.clone())
        .await
        .map_err(db)?;
    sqlx::migrate!("./migrations/sqlite")
        .run(&reads)
        .await
        .map_err(|e| rollcall_store::StoreError::Database(Box::new(e)))?;
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .map_err(db)?;
    let checkpoints = Checkpoints(tokio::spawn(checkpoint(reads.clone())));
    Ok(Connections {
        reads,
        writer,
        checkpoints,
    })
}

/// Copies the log into the database now and then, without blocking the writer (`PASSIVE`
/// copies what no reader still needs and leaves the rest for the next time).
async fn checkpoint(reads: SqlitePool) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if reads.is_closed() {
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&reads)
            .await
            && !reads.is_closed()
        {
            tracing::warn!(error = %e, "checkpointing the SQLite log failed; trying again");
        }
    }
}
