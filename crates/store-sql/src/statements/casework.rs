//! The statements of the casework: chronology entries, flags, scheduled jobs and the outbox,
//! the one copy of their SQL, as in [`super::Sql`].

use async_trait::async_trait;
use jiff::civil::Date;
use rollcall_core::EntryKind;
use rollcall_store::{
    CaseRecord, DeliveryStatus, FlagRecord, JobRecord, MessageRecord, NewCaseEntry, NewFlag,
    NewMessage, ScheduledJob,
};

use super::decode::{CaseRow, FlagRow, JobRow, MESSAGE_COLUMNS, MessageRow};
use super::values::{Result, db, rows_by, session_number};
use crate::time::to_micros;

const CASE_COLUMNS: &str = "id, pupil_id, at, kind, rating, likelihood, frequency, item_rule, \
    item_occasion, with_whom, note, by_name, by_position, recorded_at";

const FLAG_COLUMNS: &str =
    "id, pupil_id, flag, from_date, until_date, note, by_name, by_position, ended_by";

/// One method per statement on the casework.
#[async_trait]
pub(crate) trait CaseSql: Send {
    async fn insert_case_entry(&mut self, school: i64, entry: &NewCaseEntry) -> Result<i64>;
    async fn select_case_entries(&mut self, pupil: i64) -> Result<Vec<CaseRecord>>;
    async fn select_school_case_entries(&mut self, school: i64) -> Result<Vec<CaseRecord>>;
    async fn insert_flag(&mut self, school: i64, flag: &NewFlag) -> Result<i64>;
    async fn update_flag_end(
        &mut self,
        pupil: i64,
        id: i64,
        until: Date,
        ended_by: &str,
    ) -> Result<u64>;
    async fn select_flags(&mut self, pupil: i64) -> Result<Vec<FlagRecord>>;
    async fn select_school_flags(&mut self, school: i64) -> Result<Vec<FlagRecord>>;
    /// The job's id, or `None` when it is already recorded.
    async fn insert_job(&mut self, job: &ScheduledJob) -> Result<Option<i64>>;
    async fn insert_message(
        &mut self,
        school: i64,
        job: Option<i64>,
        message: &NewMessage,
        at: i64,
    ) -> Result<()>;
    async fn select_jobs(&mut self, school: i64, date: Date) -> Result<Vec<JobRecord>>;
    async fn select_outbox(&mut self, school: i64) -> Result<Vec<MessageRecord>>;
}

macro_rules! impl_case_sql {
    ($conn:ty) => {
        #[async_trait]
        impl CaseSql for $conn {
            async fn insert_case_entry(&mut self, school: i64, new: &NewCaseEntry) -> Result<i64> {
                let e = &new.entry;
                let (rating, likelihood, frequency) = match e.kind {
                    EntryKind::RatingOverride(r) => (Some(r.id()), None, None),
                    EntryKind::RiskAssessment { likelihood, frequency } => {
                        (None, Some(i16::from(likelihood)), Some(i16::from(frequency)))
                    }
                    _ => (None, None, None),
                };
                sqlx::query_scalar(
                    "INSERT INTO case_entries (school_id, pupil_id, at, kind, rating, likelihood, \
                     frequency, item_rule, item_occasion, with_whom, note, by_user, by_name, \
                     by_position, recorded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
                )
                .bind(school)
                .bind(new.pupil.0)
                .bind(jiff_sqlx::DateTime::from(e.at))
                .bind(e.kind.id())
                .bind(rating)
                .bind(likelihood)
                .bind(frequency)
                .bind(e.item.as_ref().map(|k| k.rule.as_str()))
                .bind(e.item.as_ref().map(|k| k.occasion.as_str()))
                .bind(&e.with)
                .bind(&e.note)
                .bind(new.actor.user.map(|u| u.0))
                .bind(&new.actor.name)
                .bind(&new.actor.position)
                .bind(to_micros(new.recorded_at))
                .fetch_one(&mut *self)
                .await
                .map_err(db)
            }

            async fn select_case_entries(&mut self, pupil: i64) -> Result<Vec<CaseRecord>> {
                rows_by!(self, CaseRow, format!("SELECT {CASE_COLUMNS} FROM case_entries WHERE pupil_id = $1 ORDER BY at, id"), pupil)
            }

            async fn select_school_case_entries(&mut self, school: i64) -> Result<Vec<CaseRecord>> {
                rows_by!(self, CaseRow, format!("SELECT {CASE_COLUMNS} FROM case_entries WHERE school_id = $1 ORDER BY at, id"), school)
            }

            async fn insert_flag(&mut self, school: i64, f: &NewFlag) -> Result<i64> {
                sqlx::query_scalar(
                    "INSERT INTO pupil_flags (school_id, pupil_id, flag, from_date, note, by_name, \
                     by_position, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(school)
                .bind(f.pupil.0)
                .bind(f.flag.id())
                .bind(jiff_sqlx::Date::from(f.from))
                .bind(&f.note)
                .bind(&f.actor.name)
                .bind(&f.actor.position)
                .bind(to_micros(f.at))
                .fetch_one(&mut *self)
                .await
                .map_err(db)
            }

            async fn update_flag_end(&mut self, pupil: i64, id: i64, until: Date, ended_by: &str) -> Result<u64> {
                sqlx::query(
                    "UPDATE pupil_flags SET until_date = $3, ended_by = $4 \
                     WHERE pupil_id = $1 AND id = $2 AND until_date IS NULL AND from_date <= $3",
                )
                .bind(pupil)
                .bind(id)
                .bind(jiff_sqlx::Date::from(until))
                .bind(ended_by)
                .execute(&mut *self)
                .await
                .map(|r| r.rows_affected())
                .map_err(db)
            }

            async fn select_flags(&mut self, pupil: i64) -> Result<Vec<FlagRecord>> {
                rows_by!(self, FlagRow, format!("SELECT {FLAG_COLUMNS} FROM pupil_flags WHERE pupil_id = $1 ORDER BY from_date, id"), pupil)
            }

            async fn select_school_flags(&mut self, school: i64) -> Result<Vec<FlagRecord>> {
                rows_by!(self, FlagRow, format!("SELECT {FLAG_COLUMNS} FROM pupil_flags WHERE school_id = $1 ORDER BY pupil_id, from_date, id"), school)
            }

            async fn insert_job(&mut self, job: &ScheduledJob) -> Result<Option<i64>> {
                sqlx::query_scalar(
                    "INSERT INTO jobs (school_id, kind, date, session, runner, ran_at, summary) \
                     VALUES ($1, $7, $2, $3, $4, $5, $6) \
                     ON CONFLICT (school_id, kind, date, session) DO NOTHING RETURNING id",
                )
                .bind(job.school.0)
                .bind(jiff_sqlx::Date::from(job.key.date))
                .bind(session_number(job.key.session))
                .bind(&job.runner)
                .bind(to_micros(job.at))
                .bind(&job.summary)
                .bind(job.kind.id())
                .fetch_optional(&mut *self)
                .await
                .map_err(db)
            }

            async fn insert_message(&mut self, school: i64, job: Option<i64>, m: &NewMessage, at: i64) -> Result<()> {
                sqlx::query(
                    "INSERT INTO outbox (school_id, pupil_id, contact_id, job_id, channel, recipient, \
                     subject, body, queued_at, status, error, next_attempt_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $9)",
                )
                .bind(school)
                .bind(m.pupil.map(|p| p.0))
                .bind(m.contact.map(|c| c.0))
                .bind(job)
                .bind(m.channel.id())
                .bind(&m.recipient)
                .bind(&m.subject)
                .bind(&m.body)
                .bind(at)
                .bind(if m.withheld.is_some() { DeliveryStatus::Withheld } else { DeliveryStatus::Queued }.id())
                .bind(&m.withheld)
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }

            async fn select_jobs(&mut self, school: i64, date: Date) -> Result<Vec<JobRecord>> {
                sqlx::query_as::<_, JobRow>(
                    "SELECT school_id, kind, date, session, runner, ran_at, summary FROM jobs \
                     WHERE school_id = $1 AND date = $2 ORDER BY ran_at, id",
                )
                .bind(school)
                .bind(jiff_sqlx::Date::from(date))
                .fetch_all(&mut *self)
                .await
                .map_err(db)?
                .into_iter()
                .map(JobRow::record)
                .collect()
            }

            async fn select_outbox(&mut self, school: i64) -> Result<Vec<MessageRecord>> {
                rows_by!(self, MessageRow, format!("SELECT {MESSAGE_COLUMNS} FROM outbox WHERE school_id = $1 ORDER BY queued_at, id"), school)
            }
        }
    };
}

impl_case_sql!(sqlx::SqliteConnection);
impl_case_sql!(sqlx::PgConnection);
