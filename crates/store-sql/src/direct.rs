//! SQLite's largest reads taken straight from the connection's handle, on the calling thread.
//!
//! sqlx runs each SQLite connection on a thread of its own and hands every row across to the
//! caller, copying each value out of SQLite on the way. For a school's register that hand-off
//! costs more than SQLite's own work (BENCHMARKS.md), so these reads lock the connection
//! (its thread waits meanwhile) and step the statement here, reading each value in place.

use rollcall_store::{Result, StoreError};
use sqlx::SqliteConnection;

/// Every row `sql` returns for `key` (its one parameter), each decoded by `decode`.
pub(crate) async fn fetch_all<T>(
    conn: &mut SqliteConnection,
    sql: &str,
    key: i64,
    decode: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    with_handle(conn, |c| {
        c.prepare(sql)?.query_map([key], decode)?.collect()
    })
    .await
}

/// Runs `body` on the connection's own SQLite handle, locked meanwhile.
#[allow(unsafe_code)]
async fn with_handle<T>(
    conn: &mut SqliteConnection,
    body: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
) -> Result<T> {
    let mut locked = conn
        .lock_handle()
        .await
        .map_err(|e| StoreError::Database(Box::new(e)))?;
    let handle = locked.as_raw_handle();
    // SAFETY: the handle is sqlx's open connection, locked until `locked` drops after this,
    // so nothing else uses it meanwhile; `from_handle` leaves it open when dropped, and every
    // statement `body` prepares borrows `connection` and so is finalised before it drops.
    let connection =
        unsafe { rusqlite::Connection::from_handle(handle.as_ptr()) }.map_err(failed)?;
    let result = body(&connection).map_err(failed);
    drop(connection);
    drop(locked);
    result
}

fn failed(e: rusqlite::Error) -> StoreError {
    StoreError::Database(Box::new(e))
}
