//! Returns made to the local authority: the statements once for both databases (as in
//! `statements.rs`), and the store's operations over them.

use async_trait::async_trait;
use rollcall_returns::Key;
use rollcall_store::{
    ContactRecord, NewReturn, ReturnRecord, ReturnsMade, SchoolId, Sent, StoreError,
};

use crate::SqlStore;
use crate::statements::{CONTACT_COLUMNS, ContactRow, Result, Sql, corrupt, db, rows_by};
use crate::time::to_micros;

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

#[async_trait]
trait ReturnSql: Send {
    async fn insert_return(&mut self, made: &NewReturn) -> Result<i64>;
    async fn select_returns(&mut self, school: i64) -> Result<Vec<ReturnRecord>>;
    async fn select_school_contacts(&mut self, school: i64) -> Result<Vec<ContactRecord>>;
}

macro_rules! impl_return_sql {
    ($conn:ty) => {
        #[async_trait]
        impl ReturnSql for $conn {
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

            async fn select_returns(&mut self, school: i64) -> Result<Vec<ReturnRecord>> {
                rows_by!(self, MadeRow,
                    "SELECT id, key, due, sent, recipient, content, at, by_name FROM returns_made \
                     WHERE school_id = $1 ORDER BY id".to_owned(), school)
            }

            async fn select_school_contacts(&mut self, school: i64) -> Result<Vec<ContactRecord>> {
                Ok(sqlx::query_as::<_, ContactRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {CONTACT_COLUMNS} FROM contacts c JOIN pupils p ON p.id = c.pupil_id \
                     WHERE p.school_id = $1 AND NOT c.ended ORDER BY c.pupil_id, c.priority, c.id"
                )))
                .bind(school)
                .fetch_all(&mut *self)
                .await
                .map_err(db)?
                .into_iter()
                .map(ContactRow::record)
                .collect())
            }
        }
    };
}

impl_return_sql!(sqlx::SqliteConnection);
impl_return_sql!(sqlx::PgConnection);

#[async_trait]
impl ReturnsMade for SqlStore {
    async fn record_return(&self, made: &NewReturn) -> Result<i64> {
        write!(self, |c| {
            if c.select_returns(made.school.0)
                .await?
                .iter()
                .any(|r| r.key == made.key)
            {
                return Err(StoreError::Conflict(format!(
                    "this return ({}) has already been made",
                    made.key
                )));
            }
            let id = c.insert_return(made).await?;
            for (message, entry) in &made.entries {
                if let Some(message) = message {
                    c.insert_message(made.school.0, None, message, to_micros(made.recorded_at))
                        .await?;
                }
                c.insert_case_entry(made.school.0, entry).await?;
            }
            Ok::<_, StoreError>(id)
        })
    }

    async fn returns_made(&self, school: SchoolId) -> Result<Vec<ReturnRecord>> {
        read!(self, |c| c.select_returns(school.0).await)
    }

    async fn school_contacts(&self, school: SchoolId) -> Result<Vec<ContactRecord>> {
        read!(self, |c| c.select_school_contacts(school.0).await)
    }
}
