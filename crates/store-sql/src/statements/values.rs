//! What every statement shares: the store's result and errors, sessions and codes as the
//! tables hold them, and the marks as written and held.

use jiff::civil::Date;
use rollcall_core::{Code, Session};
use rollcall_store::{MarkSource, StoreError, StoredMark};

pub(crate) type Result<T> = std::result::Result<T, StoreError>;

/// A database error as the store reports it: PostgreSQL's serialisation failures and
/// deadlocks (SQLSTATE 40001, 40P01) are a concurrent writer, to be run again.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    let code = e.as_database_error().and_then(|d| d.code());
    match code.as_deref() {
        Some("40001" | "40P01") => return StoreError::Contended,
        // Connection exceptions, the server shutting down or starting.
        Some(c) if c.starts_with("08") || c.starts_with("57P") => {
            crate::postgres::connection_lost();
            return StoreError::Unavailable(e.to_string());
        }
        // Too many connections; SQLite's database busy or locked past the timeout.
        Some(c) if c.starts_with("53") => return StoreError::Unavailable(e.to_string()),
        Some("5" | "6" | "261" | "517") => return StoreError::Unavailable(e.to_string()),
        _ => {}
    }
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
            crate::postgres::connection_lost();
            StoreError::Unavailable(e.to_string())
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => {
            StoreError::Unavailable(e.to_string())
        }
        e => StoreError::Database(Box::new(e)),
    }
}

/// A failure to get a connection: whatever its cause, the database cannot be reached.
pub(crate) fn unreachable(e: sqlx::Error) -> StoreError {
    crate::postgres::connection_lost();
    StoreError::Unavailable(e.to_string())
}

pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Database(format!("the database holds an invalid {what}: {value:?}").into())
}

pub(crate) fn session_number(session: Session) -> i16 {
    match session {
        Session::Am => 0,
        Session::Pm => 1,
    }
}

pub(crate) fn session_of(n: i16) -> Result<Session> {
    match n {
        0 => Ok(Session::Am),
        1 => Ok(Session::Pm),
        _ => Err(corrupt("session", &n.to_string())),
    }
}

pub(crate) fn code_of(text: &str) -> Result<Code> {
    Code::parse(text).map_err(|_| corrupt("code", text))
}

pub(crate) fn minutes_of(m: Option<i32>) -> Option<u16> {
    m.and_then(|m| u16::try_from(m).ok())
}

/// A mark to write.
#[derive(Debug, Clone)]
pub(crate) struct MarkWrite<'a> {
    pub pupil: i64,
    pub date: Date,
    pub session: i16,
    pub code: &'a str,
    pub minutes: Option<i32>,
    pub comment: Option<&'a str>,
    pub source: MarkSource,
    pub by_name: Option<&'a str>,
    pub by_user: Option<i64>,
    pub at: i64,
    /// The version this write makes: one more than the version read.
    pub version: i32,
    /// The hash of the ledger entry this write makes.
    pub entry_hash: [u8; 32],
}

/// A mark as held, with the hash of its latest ledger entry, which the next entry chains to.
#[derive(Debug, Clone)]
pub(crate) struct Held {
    pub mark: StoredMark,
    pub hash: Vec<u8>,
}

/// A mark as loaded for statistics: pupil, date, session, code, minutes late.
pub(crate) type BareMark = (i64, Date, i16, String, Option<i32>);

/// Marks per statement when importing: 12 parameters each, well within both databases' limits.
pub(crate) const IMPORT_BATCH: usize = 1_000;

/// Every row a query for one id (a pupil's, a school's) returns, as records.
macro_rules! rows_by {
    ($conn:ident, $row:ty, $sql:expr, $id:expr) => {
        sqlx::query_as::<_, $row>(sqlx::AssertSqlSafe($sql))
            .bind($id)
            .fetch_all(&mut *$conn)
            .await
            .map_err(db)?
            .into_iter()
            .map(<$row>::record)
            .collect()
    };
}
pub(crate) use rows_by;
