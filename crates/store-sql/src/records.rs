//! The access log and retention's erasures: the statements, once for both databases, and the
//! store's operations over them.

use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rollcall_core::{Opened, Slot};
use rollcall_store::{
    AccessOf, AccessRecord, Erasure, ErasureRecord, NewAccess, OldSession, PupilKey, Records,
    SchoolId, UserId, erasures_of,
};

use crate::SqlStore;
use crate::rows::{self, RowChange, RowSql};
use crate::statements::{Result, corrupt, db, session_number, session_of};
use crate::time::{from_micros, to_micros};

/// A pupil's name as the school knows them, for the logs.
macro_rules! pupil_name {
    () => {
        "COALESCE(p.preferred_forename, p.legal_forename) || ' ' || p.legal_surname"
    };
}

/// The access log's columns with the pupil's name.
macro_rules! access_select {
    () => {
        concat!(
            "SELECT a.id, a.school_id, a.pupil_id, ",
            pupil_name!(),
            " AS pupil_name, a.user_id, a.by_name, a.by_position, a.opened, a.detail, a.at \
             FROM access_log a JOIN pupils p ON p.id = a.pupil_id"
        )
    };
}

#[derive(sqlx::FromRow)]
struct AccessRow {
    id: i64,
    school_id: i64,
    pupil_id: i64,
    pupil_name: String,
    user_id: i64,
    by_name: String,
    by_position: String,
    opened: String,
    detail: Option<String>,
    at: i64,
}

impl AccessRow {
    fn record(self) -> Result<AccessRecord> {
        Ok(AccessRecord {
            id: self.id,
            school: SchoolId(self.school_id),
            pupil: PupilKey(self.pupil_id),
            pupil_name: self.pupil_name,
            user: UserId(self.user_id),
            by_name: self.by_name,
            by_position: self.by_position,
            opened: Opened::parse(&self.opened).ok_or_else(|| corrupt("access", &self.opened))?,
            detail: self.detail,
            at: from_micros(self.at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct OldSessionRow {
    school_id: i64,
    pupil_id: i64,
    pupil_name: String,
    leaving_date: jiff_sqlx::Date,
    date: jiff_sqlx::Date,
    session: i16,
    last_at: Option<i64>,
    entries: i64,
}

impl OldSessionRow {
    fn record(self) -> Result<OldSession> {
        let date = self.date.to_jiff();
        Ok(OldSession {
            school: SchoolId(self.school_id),
            pupil: PupilKey(self.pupil_id),
            pupil_name: self.pupil_name,
            left: self.leaving_date.to_jiff(),
            date,
            session: session_of(self.session)?,
            // Entries are timestamped in UTC; a day either side of six years does not matter.
            last_entry: self
                .last_at
                .map_or(date, |at| from_micros(at).to_zoned(TimeZone::UTC).date()),
            entries: u64::try_from(self.entries).unwrap_or(0),
        })
    }
}

#[derive(sqlx::FromRow)]
struct ErasureRow {
    school_id: i64,
    pupil_id: i64,
    pupil_name: String,
    left_on: jiff_sqlx::Date,
    sessions: i64,
    entries: i64,
    first_date: jiff_sqlx::Date,
    last_date: jiff_sqlx::Date,
    cutoff: jiff_sqlx::Date,
    at: i64,
    by_name: String,
}

impl ErasureRow {
    fn record(self) -> ErasureRecord {
        ErasureRecord {
            erasure: Erasure {
                school: SchoolId(self.school_id),
                pupil: PupilKey(self.pupil_id),
                pupil_name: self.pupil_name,
                left: self.left_on.to_jiff(),
                sessions: u64::try_from(self.sessions).unwrap_or(0),
                entries: u64::try_from(self.entries).unwrap_or(0),
                first: self.first_date.to_jiff(),
                last: self.last_date.to_jiff(),
            },
            cutoff: self.cutoff.to_jiff(),
            at: from_micros(self.at),
            by: self.by_name,
        }
    }
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The statements, for either database's connection.
#[async_trait]
pub(crate) trait RecordSql: Send {
    async fn insert_access(&mut self, a: &NewAccess<'_>) -> Result<u64>;
    async fn select_access(&mut self, of: AccessOf, limit: u32) -> Result<Vec<AccessRecord>>;
    async fn select_old_sessions(&mut self, today: Date, before: Date) -> Result<Vec<OldSession>>;
    async fn count_entries(&mut self, s: &OldSession) -> Result<i64>;
    async fn mark_erasing(&mut self, pupil: i64) -> Result<()>;
    async fn delete_session(&mut self, s: &OldSession) -> Result<()>;
    async fn clear_erasing(&mut self) -> Result<()>;
    async fn insert_erasure(&mut self, e: &Erasure, cutoff: Date, at: i64, by: &str) -> Result<()>;
    async fn select_erasures(&mut self) -> Result<Vec<ErasureRecord>>;
}

macro_rules! impl_record_sql {
    ($conn:ty) => {
        #[async_trait]
        impl RecordSql for $conn {
            async fn insert_access(&mut self, a: &NewAccess<'_>) -> Result<u64> {
                // The school is the pupil's, so that a log entry cannot name another school.
                sqlx::query(
                    "INSERT INTO access_log \
                     (school_id, pupil_id, user_id, by_name, by_position, opened, detail, at) \
                     SELECT p.school_id, p.id, $2, $3, $4, $5, $6, $7 FROM pupils p WHERE p.id = $1",
                )
                .bind(a.pupil.0)
                .bind(a.user.0)
                .bind(a.by_name)
                .bind(a.by_position)
                .bind(a.opened.as_str())
                .bind(a.detail)
                .bind(to_micros(a.at))
                .execute(&mut *self)
                .await
                .map(|r| r.rows_affected())
                .map_err(db)
            }

            async fn select_access(&mut self, of: AccessOf, limit: u32) -> Result<Vec<AccessRecord>> {
                let rows = match of {
                    AccessOf::Pupil(pupil) => {
                        sqlx::query_as::<_, AccessRow>(concat!(
                            access_select!(),
                            " WHERE a.pupil_id = $1 ORDER BY a.id DESC LIMIT $2"
                        ))
                        .bind(pupil.0)
                        .bind(i64::from(limit))
                        .fetch_all(&mut *self)
                        .await
                    }
                    AccessOf::User(school, user) => {
                        sqlx::query_as::<_, AccessRow>(concat!(
                            access_select!(),
                            " WHERE a.user_id = $1 AND a.school_id = $2 ORDER BY a.id DESC LIMIT $3"
                        ))
                        .bind(user.0)
                        .bind(school.0)
                        .bind(i64::from(limit))
                        .fetch_all(&mut *self)
                        .await
                    }
                }
                .map_err(db)?;
                rows.into_iter().map(AccessRow::record).collect()
            }

            async fn select_old_sessions(&mut self, today: Date, before: Date) -> Result<Vec<OldSession>> {
                sqlx::query_as::<_, OldSessionRow>(concat!(
                    "SELECT p.school_id, m.pupil_id, ", pupil_name!(), " AS pupil_name, \
                     p.leaving_date, m.date, m.session, MAX(l.at) AS last_at, \
                     COUNT(l.version) AS entries \
                     FROM marks m JOIN pupils p ON p.id = m.pupil_id \
                     LEFT JOIN ledger l ON l.pupil_id = m.pupil_id AND l.date = m.date \
                     AND l.session = m.session \
                     WHERE p.leaving_date IS NOT NULL AND p.leaving_date <= $1 AND m.date < $2 \
                     GROUP BY p.school_id, m.pupil_id, p.preferred_forename, p.legal_forename, \
                     p.legal_surname, p.leaving_date, m.date, m.session \
                     ORDER BY p.school_id, m.pupil_id, m.date, m.session"
                ))
                .bind(jiff_sqlx::Date::from(today))
                .bind(jiff_sqlx::Date::from(before))
                .fetch_all(&mut *self)
                .await
                .map_err(db)?
                .into_iter()
                .map(OldSessionRow::record)
                .collect()
            }

            async fn count_entries(&mut self, s: &OldSession) -> Result<i64> {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM ledger WHERE pupil_id = $1 AND date = $2 AND session = $3",
                )
                .bind(s.pupil.0)
                .bind(jiff_sqlx::Date::from(s.date))
                .bind(session_number(s.session))
                .fetch_one(&mut *self)
                .await
                .map_err(db)
            }

            async fn mark_erasing(&mut self, pupil: i64) -> Result<()> {
                sqlx::query("INSERT INTO ledger_erasing (pupil_id) VALUES ($1)")
                    .bind(pupil)
                    .execute(&mut *self)
                    .await
                    .map(|_| ())
                    .map_err(db)
            }

            async fn delete_session(&mut self, s: &OldSession) -> Result<()> {
                for statement in [
                    "DELETE FROM ledger WHERE pupil_id = $1 AND date = $2 AND session = $3",
                    "DELETE FROM marks WHERE pupil_id = $1 AND date = $2 AND session = $3",
                ] {
                    sqlx::query(statement)
                    .bind(s.pupil.0)
                    .bind(jiff_sqlx::Date::from(s.date))
                    .bind(session_number(s.session))
                    .execute(&mut *self)
                    .await
                    .map_err(db)?;
                }
                Ok(())
            }

            async fn clear_erasing(&mut self) -> Result<()> {
                sqlx::query("DELETE FROM ledger_erasing")
                    .execute(&mut *self)
                    .await
                    .map(|_| ())
                    .map_err(db)
            }

            async fn insert_erasure(
                &mut self,
                e: &Erasure,
                cutoff: Date,
                at: i64,
                by: &str,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO erasures (school_id, pupil_id, pupil_name, left_on, sessions, \
                     entries, first_date, last_date, cutoff, at, by_name) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(e.school.0)
                .bind(e.pupil.0)
                .bind(&e.pupil_name)
                .bind(jiff_sqlx::Date::from(e.left))
                .bind(count(e.sessions))
                .bind(count(e.entries))
                .bind(jiff_sqlx::Date::from(e.first))
                .bind(jiff_sqlx::Date::from(e.last))
                .bind(jiff_sqlx::Date::from(cutoff))
                .bind(at)
                .bind(by)
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }

            async fn select_erasures(&mut self) -> Result<Vec<ErasureRecord>> {
                Ok(sqlx::query_as::<_, ErasureRow>(
                    "SELECT school_id, pupil_id, pupil_name, left_on, sessions, entries, \
                     first_date, last_date, cutoff, at, by_name FROM erasures ORDER BY id DESC",
                )
                .fetch_all(&mut *self)
                .await
                .map_err(db)?
                .into_iter()
                .map(ErasureRow::record)
                .collect())
            }
        }
    };
}

impl_record_sql!(sqlx::SqliteConnection);
impl_record_sql!(sqlx::PgConnection);

/// Erases the sessions that still have the entries they were read with, and logs each pupil's.
async fn erase_sessions<C: RecordSql + RowSql + ?Sized>(
    conn: &mut C,
    sessions: &[OldSession],
    cutoff: Date,
    at: Timestamp,
    by: &str,
) -> Result<Vec<Erasure>> {
    let mut erased = Vec::new();
    let mut erasing = std::collections::HashSet::new();
    for session in sessions {
        if conn.count_entries(session).await? != count(session.entries) {
            continue;
        }
        if erasing.insert(session.pupil) {
            conn.mark_erasing(session.pupil.0).await?;
        }
        conn.delete_session(session).await?;
        erased.push(session.clone());
    }
    conn.clear_erasing().await?;
    let cleared: Vec<RowChange> = erased
        .iter()
        .map(|s| (s.pupil.0, Slot::new(s.date, s.session), None))
        .collect();
    rows::apply(conn, &cleared).await?;
    let erasures = erasures_of(&erased);
    for erasure in &erasures {
        conn.insert_erasure(erasure, cutoff, to_micros(at), by)
            .await?;
    }
    Ok(erasures)
}

#[async_trait]
impl Records for SqlStore {
    async fn record_access(&self, access: &NewAccess<'_>) -> Result<()> {
        let written = write!(self, |c| c.insert_access(access).await)?;
        if written == 0 {
            return Err(rollcall_store::StoreError::NotFound("pupil"));
        }
        Ok(())
    }

    async fn access_log(&self, of: AccessOf, limit: u32) -> Result<Vec<AccessRecord>> {
        read!(self, |c| c.select_access(of, limit).await)
    }

    async fn old_sessions(&self, today: Date, before: Date) -> Result<Vec<OldSession>> {
        read!(self, |c| c.select_old_sessions(today, before).await)
    }

    async fn erase(
        &self,
        sessions: &[OldSession],
        cutoff: Date,
        at: Timestamp,
        by: &str,
    ) -> Result<Vec<Erasure>> {
        write!(self, |c| erase_sessions(c, sessions, cutoff, at, by).await)
    }

    async fn erasures(&self) -> Result<Vec<ErasureRecord>> {
        read!(self, |c| c.select_erasures().await)
    }
}
