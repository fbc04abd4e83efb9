//! Instants are stored as microseconds since 1970 (UTC) in both databases, so that they compare
//! as numbers in SQL whatever the backend.

use jiff::Timestamp;

pub(crate) fn to_micros(at: Timestamp) -> i64 {
    at.as_microsecond()
}

pub(crate) fn from_micros(micros: i64) -> Timestamp {
    Timestamp::from_microsecond(micros).unwrap_or(Timestamp::UNIX_EPOCH)
}
