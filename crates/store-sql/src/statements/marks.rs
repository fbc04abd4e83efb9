//! The statements of the marks and the registers' submissions: the one copy of their SQL, as
//! in [`super::Sql`].

use async_trait::async_trait;
use jiff::civil::Date;
use rollcall_core::SessionKey;
use rollcall_store::{PupilRecord, StoredMark, SubmissionRecord};

use super::decode::{MarkRow, PUPIL_COLUMNS, RosterRow, SubmissionRow};
use super::values::{
    BareMark, Held, IMPORT_BATCH, MarkWrite, Result, db, session_number, session_of,
};

const MARK_COLUMNS: &str = "m.pupil_id, m.date, m.session, m.code, m.minutes_late, m.comment, \
    m.source, m.recorded_by, m.recorded_at, m.version, m.entry_hash";

/// One method per statement on the marks and the submissions.
#[async_trait]
pub(crate) trait MarkSql: Send {
    async fn select_roster(
        &mut self,
        group: i64,
        date: Date,
        session: i16,
    ) -> Result<Vec<(PupilRecord, Option<Held>)>>;
    /// A session's mark, locked for writing until the transaction ends (on PostgreSQL; SQLite's
    /// writers take turns anyway).
    async fn select_mark(&mut self, pupil: i64, date: Date, session: i16) -> Result<Option<Held>>;
    /// Locks the marks a register holds until the transaction ends, in key order.
    async fn lock_register_marks(&mut self, group: i64, date: Date, session: i16) -> Result<()>;
    async fn select_pupil_marks(
        &mut self,
        pupil: i64,
        first: Date,
        last: Date,
    ) -> Result<Vec<StoredMark>>;
    async fn select_day_marks(&mut self, school: i64, date: Date)
    -> Result<Vec<(i64, StoredMark)>>;
    async fn select_school_marks(&mut self, school: i64) -> Result<Vec<BareMark>>;
    /// Writes marks, each replacing what its session holds only if that is still the version
    /// before the write's (none for version 1): how many were written, so that a caller sees a
    /// concurrent writer got there first.
    async fn upsert_marks(&mut self, marks: &[MarkWrite<'_>]) -> Result<u64>;

    async fn insert_submission(
        &mut self,
        group: i64,
        key: SessionKey,
        by: (&str, Option<i64>),
        at: i64,
        idempotency_key: Option<&str>,
    ) -> Result<()>;
    /// The register a submission's idempotency key was first sent for.
    async fn select_submission_by_key(&mut self, key: &str) -> Result<Option<(i64, SessionKey)>>;
    async fn select_latest_submission(
        &mut self,
        group: i64,
        key: SessionKey,
    ) -> Result<Option<SubmissionRecord>>;
    async fn select_submissions(
        &mut self,
        school: i64,
        date: Date,
    ) -> Result<Vec<SubmissionRecord>>;
}

/// Inserts marks in batches, with `$on_conflict` after each batch's values: how many rows
/// were written.
macro_rules! insert_marks {
    ($conn:expr, $db:ty, $marks:expr, $on_conflict:expr) => {{
        let mut written = 0;
        for batch in $marks.chunks(IMPORT_BATCH) {
            let mut builder = sqlx::QueryBuilder::<$db>::new(
                "INSERT INTO marks (pupil_id, date, session, code, minutes_late, comment, source, \
                 recorded_by, recorded_by_user, recorded_at, version, entry_hash) ",
            );
            builder.push_values(batch, |mut row, m| {
                row.push_bind(m.pupil)
                    .push_bind(jiff_sqlx::Date::from(m.date))
                    .push_bind(m.session)
                    .push_bind(m.code.to_owned())
                    .push_bind(m.minutes)
                    .push_bind(m.comment.map(str::to_owned))
                    .push_bind(m.source.id())
                    .push_bind(m.by_name.map(str::to_owned))
                    .push_bind(m.by_user)
                    .push_bind(m.at)
                    .push_bind(m.version)
                    .push_bind(m.entry_hash.to_vec());
            });
            builder.push($on_conflict);
            written += builder
                .build()
                .execute(&mut *$conn)
                .await
                .map_err(db)?
                .rows_affected();
        }
        Ok(written)
    }};
}

macro_rules! impl_mark_sql {
    ($conn:ty, $db:ty, for_update = $for_update:literal) => {
        #[async_trait]
        impl MarkSql for $conn {
            async fn select_roster(&mut self, group: i64, date: Date, session: i16) -> Result<Vec<(PupilRecord, Option<Held>)>> {
                sqlx::query_as::<_, RosterRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {PUPIL_COLUMNS}, m.code, m.minutes_late, m.comment, m.source, m.recorded_by, \
                     m.recorded_at, m.version, m.entry_hash FROM pupils p JOIN reg_groups g ON g.id = p.reg_group_id \
                     LEFT JOIN marks m ON m.pupil_id = p.id AND m.date = $2 AND m.session = $3 \
                     WHERE p.reg_group_id = $1 \
                     AND (p.entry_date IS NULL OR p.entry_date <= $2) \
                     AND (p.leaving_date IS NULL OR p.leaving_date >= $2) \
                     ORDER BY p.legal_surname, p.legal_forename, p.id"
                )))
                .bind(group)
                .bind(jiff_sqlx::Date::from(date))
                .bind(session)
                .fetch_all(&mut *self)
                .await
                .map_err(db)?
                .into_iter()
                .map(|row| row.record(date, session))
                .collect()
            }

            async fn select_mark(&mut self, pupil: i64, date: Date, session: i16) -> Result<Option<Held>> {
                sqlx::query_as::<_, MarkRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {MARK_COLUMNS} FROM marks m WHERE m.pupil_id = $1 AND m.date = $2 AND m.session = $3{}",
                    $for_update
                )))
                .bind(pupil)
                .bind(jiff_sqlx::Date::from(date))
                .bind(session)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(|row| row.held().map(|(_, held)| held))
                .transpose()
            }

            async fn lock_register_marks(&mut self, group: i64, date: Date, session: i16) -> Result<()> {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT m.pupil_id FROM marks m JOIN pupils p ON p.id = m.pupil_id \
                     WHERE p.reg_group_id = $1 AND m.date = $2 AND m.session = $3 \
                     ORDER BY m.pupil_id{}",
                    $for_update
                )))
                .bind(group)
                .bind(jiff_sqlx::Date::from(date))
                .bind(session)
                .fetch_all(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }

            async fn select_pupil_marks(&mut self, pupil: i64, first: Date, last: Date) -> Result<Vec<StoredMark>> {
                sqlx::query_as::<_, MarkRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {MARK_COLUMNS} FROM marks m WHERE m.pupil_id = $1 AND m.date >= $2 AND m.date <= $3 \
                     ORDER BY m.date, m.session"
                )))
                .bind(pupil)
                .bind(jiff_sqlx::Date::from(first))
                .bind(jiff_sqlx::Date::from(last))
                .fetch_all(&mut *self)
                .await
                .map_err(db)?
                .into_iter()
                .map(|row| row.record().map(|(_, mark)| mark))
                .collect()
            }

            async fn select_day_marks(&mut self, school: i64, date: Date) -> Result<Vec<(i64, StoredMark)>> {
                sqlx::query_as::<_, MarkRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {MARK_COLUMNS} FROM marks m JOIN pupils p ON p.id = m.pupil_id \
                     WHERE p.school_id = $1 AND m.date = $2 ORDER BY m.pupil_id, m.session"
                )))
                .bind(school)
                .bind(jiff_sqlx::Date::from(date))
                .fetch_all(&mut *self)
                .await
                .map_err(db)?
                .into_iter()
                .map(MarkRow::record)
                .collect()
            }

            async fn select_school_marks(&mut self, school: i64) -> Result<Vec<BareMark>> {
                let rows: Vec<(i64, jiff_sqlx::Date, i16, String, Option<i32>)> = sqlx::query_as(
                    "SELECT m.pupil_id, m.date, m.session, m.code, m.minutes_late FROM marks m \
                     JOIN pupils p ON p.id = m.pupil_id WHERE p.school_id = $1 \
                     ORDER BY m.pupil_id, m.date, m.session",
                )
                .bind(school)
                .fetch_all(&mut *self)
                .await
                .map_err(db)?;
                Ok(rows
                    .into_iter()
                    .map(|(p, d, s, c, m)| (p, d.to_jiff(), s, c, m))
                    .collect())
            }

            async fn upsert_marks(&mut self, marks: &[MarkWrite<'_>]) -> Result<u64> {
                insert_marks!(
                    self,
                    $db,
                    marks,
                    " ON CONFLICT (pupil_id, date, session) DO UPDATE SET code = excluded.code, \
                     minutes_late = excluded.minutes_late, comment = excluded.comment, \
                     source = excluded.source, recorded_by = excluded.recorded_by, \
                     recorded_by_user = excluded.recorded_by_user, recorded_at = excluded.recorded_at, \
                     version = excluded.version, entry_hash = excluded.entry_hash \
                     WHERE marks.version = excluded.version - 1"
                )
            }

            /// A submission is an amendment when the register was taken before.
            async fn insert_submission(&mut self, group: i64, key: SessionKey, by: (&str, Option<i64>), at: i64, idempotency_key: Option<&str>) -> Result<()> {
                sqlx::query(
                    "INSERT INTO register_submissions (group_id, date, session, by_name, by_user, at, amended, idempotency_key) \
                     SELECT $1, $2, $3, $4, $5, $6, EXISTS (SELECT 1 FROM register_submissions \
                     WHERE group_id = $1 AND date = $2 AND session = $3), $7",
                )
                .bind(group)
                .bind(jiff_sqlx::Date::from(key.date))
                .bind(session_number(key.session))
                .bind(by.0)
                .bind(by.1)
                .bind(at)
                .bind(idempotency_key)
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(|e| {
                    // The same key sent twice at once: the later waits its turn and finds it.
                    if e.as_database_error().is_some_and(|d| d.is_unique_violation()) {
                        rollcall_store::StoreError::Contended
                    } else {
                        db(e)
                    }
                })
            }

            async fn select_submission_by_key(&mut self, key: &str) -> Result<Option<(i64, SessionKey)>> {
                let row: Option<(i64, jiff_sqlx::Date, i16)> = sqlx::query_as(
                    "SELECT group_id, date, session FROM register_submissions WHERE idempotency_key = $1",
                )
                .bind(key)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?;
                row.map(|(group, date, session)| {
                    Ok((group, SessionKey { date: date.to_jiff(), session: session_of(session)? }))
                })
                .transpose()
            }

            async fn select_latest_submission(&mut self, group: i64, key: SessionKey) -> Result<Option<SubmissionRecord>> {
                sqlx::query_as::<_, SubmissionRow>(
                    "SELECT group_id, date, session, by_name, at, amended FROM register_submissions \
                     WHERE group_id = $1 AND date = $2 AND session = $3 ORDER BY id DESC LIMIT 1",
                )
                .bind(group)
                .bind(jiff_sqlx::Date::from(key.date))
                .bind(session_number(key.session))
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(SubmissionRow::record)
                .transpose()
            }

            async fn select_submissions(&mut self, school: i64, date: Date) -> Result<Vec<SubmissionRecord>> {
                sqlx::query_as::<_, SubmissionRow>(
                    "SELECT s.group_id, s.date, s.session, s.by_name, s.at, s.amended \
                     FROM register_submissions s JOIN reg_groups g ON g.id = s.group_id \
                     WHERE g.school_id = $1 AND s.date = $2 ORDER BY s.id",
                )
                .bind(school)
                .bind(jiff_sqlx::Date::from(date))
                .fetch_all(&mut *self)
                .await
                .map_err(db)?
                .into_iter()
                .map(SubmissionRow::record)
                .collect()
            }
        }
    };
}

// SQLite has no row locks: write transactions begin IMMEDIATE, which serialises them.
impl_mark_sql!(sqlx::SqliteConnection, sqlx::Sqlite, for_update = "");
impl_mark_sql!(
    sqlx::PgConnection,
    sqlx::Postgres,
    for_update = " FOR UPDATE OF m"
);
