//! Returns made to the local authority: the statements once for both databases (as in
//! `statements.rs`), and the store's operations over them.

use async_trait::async_trait;
use jiff::civil::Date;
use rollcall_returns::Key;
use rollcall_store::{DailyData, NewReturn, ReturnRecord, ReturnsMade, SchoolId, Sent, StoreError};

use crate::SqlStore;
use crate::statements::{Result, Sql, corrupt, db, rows_by};
use crate::time::{from_micros, to_micros};

#[derive(sqlx::FromRow)]
struct MadeRow {
    id: i64,
    key: String,
    due: jiff_sqlx::Date,
    sent: String,
    recipient: String,
    content: String,
    at: jiff_sqlx::DateTime,
    by_name: String,
}

impl MadeRow {
    fn record(self) -> Result<ReturnRecord> {
        Ok(ReturnRecord {
            id: self.id,
            key: Key::parse(&self.key).ok_or_else(|| corrupt("return", &self.key))?,
            due: self.due.to_jiff(),
            sent: Sent::parse(&self.sent).ok_or_else(|| corrupt("return's sending", &self.sent))?,
            to: self.recipient,
            content: self.content,
            at: self.at.to_jiff(),
            by: self.by_name,
        })
    }
}

#[derive(sqlx::FromRow)]
struct DailyRow {
    school_id: i64,
    date: jiff_sqlx::Date,
    complete: bool,
    missing: String,
    content: String,
    made_at: i64,
}

#[async_trait]
pub(crate) trait ReturnSql: Send {
    async fn upsert_daily(&mut self, daily: &DailyData) -> Result<()>;
    async fn select_daily(&mut self, school: i64, date: Date) -> Result<Option<DailyData>>;
    async fn insert_return(&mut self, made: &NewReturn) -> Result<i64>;
    async fn return_made(&mut self, school: i64, key: &Key) -> Result<bool>;
    async fn select_returns(&mut self, school: i64) -> Result<Vec<ReturnRecord>>;
}

macro_rules! impl_return_sql {
    ($conn:ty) => {
        #[async_trait]
        impl ReturnSql for $conn {
            async fn upsert_daily(&mut self, d: &DailyData) -> Result<()> {
                sqlx::query(
                    "INSERT INTO daily_data (school_id, date, complete, missing, content, made_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (school_id, date) DO UPDATE SET \
                     complete = excluded.complete, missing = excluded.missing, \
                     content = excluded.content, made_at = excluded.made_at",
                )
                .bind(d.school.0)
                .bind(jiff_sqlx::Date::from(d.date))
                .bind(d.complete)
                .bind(&d.missing)
                .bind(&d.content)
                .bind(to_micros(d.made_at))
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }

            async fn select_daily(&mut self, school: i64, date: Date) -> Result<Option<DailyData>> {
                let row: Option<DailyRow> = sqlx::query_as(
                    "SELECT school_id, date, complete, missing, content, made_at FROM daily_data \
                     WHERE school_id = $1 AND date = $2",
                )
                .bind(school)
                .bind(jiff_sqlx::Date::from(date))
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?;
                Ok(row.map(|r| DailyData {
                    school: SchoolId(r.school_id),
                    date: r.date.to_jiff(),
                    complete: r.complete,
                    missing: r.missing,
                    content: r.content,
                    made_at: from_micros(r.made_at),
                }))
            }

            async fn insert_return(&mut self, m: &NewReturn) -> Result<i64> {
                sqlx::query_scalar(
                    "INSERT INTO returns_made (school_id, key, due, sent, recipient, content, at, by_name) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(m.school.0)
                .bind(m.key.to_string())
                .bind(jiff_sqlx::Date::from(m.due))
                .bind(m.sent.id())
                .bind(&m.to)
                .bind(&m.content)
                .bind(jiff_sqlx::DateTime::from(m.at))
                .bind(&m.by)
                .fetch_one(&mut *self)
                .await
                .map_err(db)
            }

            async fn return_made(&mut self, school: i64, key: &Key) -> Result<bool> {
                let made: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM returns_made WHERE school_id = $1 AND key = $2",
                )
                .bind(school)
                .bind(key.to_string())
                .fetch_one(&mut *self)
                .await
                .map_err(db)?;
                Ok(made > 0)
            }

            async fn select_returns(&mut self, school: i64) -> Result<Vec<ReturnRecord>> {
                rows_by!(self, MadeRow,
                    "SELECT id, key, due, sent, recipient, content, at, by_name FROM returns_made \
                     WHERE school_id = $1 ORDER BY id".to_owned(), school)
            }

        }
    };
}

impl_return_sql!(sqlx::SqliteConnection);
impl_return_sql!(sqlx::PgConnection);

/// Records a return made, with its messages (queued by `job`, when a job made it) and its
/// chronology entries, in the caller's transaction; a return already made is refused.
pub(crate) async fn make<C: Sql + ReturnSql + ?Sized>(
    c: &mut C,
    made: &NewReturn,
    job: Option<i64>,
) -> Result<i64> {
    if c.return_made(made.school.0, &made.key).await? {
        return Err(StoreError::Conflict(format!(
            "this return ({}) has already been made",
            made.key
        )));
    }
    let id = c.insert_return(made).await?;
    for (message, entry) in &made.entries {
        if let Some(message) = message {
            c.insert_message(made.school.0, job, message, to_micros(made.recorded_at))
                .await?;
        }
        c.insert_case_entry(made.school.0, entry).await?;
    }
    Ok(id)
}

#[async_trait]
impl ReturnsMade for SqlStore {
    async fn save_daily(&self, daily: &DailyData) -> Result<()> {
        write!(self, |c| c.upsert_daily(daily).await)
    }

    async fn daily_data(&self, school: SchoolId, date: Date) -> Result<Option<DailyData>> {
        read!(self, |c| c.select_daily(school.0, date).await)
    }

    async fn record_return(&self, made: &NewReturn) -> Result<i64> {
        write!(self, |c| make(c, made, None).await)
    }

    async fn returns_made(&self, school: SchoolId) -> Result<Vec<ReturnRecord>> {
        read!(self, |c| c.select_returns(school.0).await)
    }
}
