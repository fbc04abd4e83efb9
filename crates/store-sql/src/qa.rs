//! The QA reports' text: the statements once for both databases (as in `statements.rs`), and
//! the store's operations over them.

use async_trait::async_trait;
use jiff::civil::DateTime;
use rollcall_store::{Actor, QaRecord, QaReports, QaText, SchoolId};

use crate::SqlStore;
use crate::statements::{Result, db};

#[derive(sqlx::FromRow)]
struct QaRow {
    evaluation: String,
    follow_up: String,
    staff: String,
    at: jiff_sqlx::DateTime,
    by_name: String,
}

#[async_trait]
pub(crate) trait QaSql: Send {
    async fn insert_qa(
        &mut self,
        school: i64,
        period: &str,
        text: &QaText,
        at: DateTime,
        by: &str,
    ) -> Result<()>;
    async fn select_qa(&mut self, school: i64, period: &str) -> Result<Option<QaRecord>>;
}

macro_rules! impl_qa_sql {
    ($conn:ty) => {
        #[async_trait]
        impl QaSql for $conn {
            async fn insert_qa(
                &mut self,
                school: i64,
                period: &str,
                text: &QaText,
                at: DateTime,
                by: &str,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO qa_reports (school_id, period, evaluation, follow_up, staff, \
                     at, by_name) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(school)
                .bind(period)
                .bind(&text.evaluation)
                .bind(&text.follow_up)
                .bind(&text.staff)
                .bind(jiff_sqlx::DateTime::from(at))
                .bind(by)
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }

            async fn select_qa(&mut self, school: i64, period: &str) -> Result<Option<QaRecord>> {
                let row = sqlx::query_as::<_, QaRow>(
                    "SELECT evaluation, follow_up, staff, at, by_name FROM qa_reports \
                     WHERE school_id = $1 AND period = $2 ORDER BY id DESC LIMIT 1",
                )
                .bind(school)
                .bind(period)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?;
                Ok(row.map(|r| QaRecord {
                    text: QaText {
                        evaluation: r.evaluation,
                        follow_up: r.follow_up,
                        staff: r.staff,
                    },
                    by: r.by_name,
                    at: r.at.to_jiff(),
                }))
            }
        }
    };
}

impl_qa_sql!(sqlx::SqliteConnection);
impl_qa_sql!(sqlx::PgConnection);

#[async_trait]
impl QaReports for SqlStore {
    async fn save_qa_text(
        &self,
        school: SchoolId,
        period: &str,
        text: &QaText,
        actor: &Actor,
        at: DateTime,
    ) -> Result<()> {
        let by = actor.signature();
        write!(self, |c| c.insert_qa(school.0, period, text, at, &by).await)
    }

    async fn qa_text(&self, school: SchoolId, period: &str) -> Result<Option<QaRecord>> {
        read!(self, |c| c.select_qa(school.0, period).await)
    }
}
