//! The statements for case files and letters, once for both databases (as in
//! `statements.rs`). A record's body is JSON, as `rollcall_core::casefile::Record` reads it: the
//! forms change more often than the columns anyone queries by.

use async_trait::async_trait;
use rollcall_core::casefile::{CaseFileRecord, Record};
use rollcall_store::{FiledRecord, LetterRecord, NewLetter, PupilKey};

use crate::statements::{Result, corrupt, db, rows_by};

fn body_of(record: &Record) -> Result<String> {
    serde_json::to_string(record).map_err(|e| corrupt("case-file record", &e.to_string()))
}

#[derive(sqlx::FromRow)]
struct FileRow {
    id: i64,
    pupil_id: i64,
    body: String,
    at: jiff_sqlx::DateTime,
    by_name: String,
}

impl FileRow {
    fn record(self) -> Result<FiledRecord> {
        let record = serde_json::from_str(&self.body)
            .map_err(|e| corrupt("case-file record", &format!("{e}: {}", self.body)))?;
        Ok(FiledRecord {
            pupil: PupilKey(self.pupil_id),
            record: CaseFileRecord {
                id: self.id,
                at: self.at.to_jiff(),
                by: self.by_name,
                record,
            },
        })
    }
}

#[derive(sqlx::FromRow)]
struct LetterRow {
    id: i64,
    pupil_id: i64,
    template: String,
    recipient: String,
    subject: String,
    content: String,
    sent: jiff_sqlx::DateTime,
    by_name: String,
}

impl LetterRow {
    fn record(self) -> Result<LetterRecord> {
        Ok(LetterRecord {
            id: self.id,
            pupil: PupilKey(self.pupil_id),
            template: self.template,
            recipient: self.recipient,
            subject: self.subject,
            content: self.content,
            sent: self.sent.to_jiff(),
            by: self.by_name,
        })
    }
}

const FILE_COLUMNS: &str = "id, pupil_id, body, at, by_name";
const LETTER_COLUMNS: &str = "id, pupil_id, template, recipient, subject, content, sent, by_name";

#[async_trait]
pub(crate) trait CaseFileSql: Send {
    async fn insert_record(
        &mut self,
        school: i64,
        pupil: i64,
        record: &Record,
        at: jiff::civil::DateTime,
        by: &str,
    ) -> Result<i64>;
    async fn update_record(
        &mut self,
        school: i64,
        id: i64,
        record: &Record,
        at: jiff::civil::DateTime,
        by: &str,
    ) -> Result<u64>;
    async fn select_record(&mut self, school: i64, id: i64) -> Result<Option<FiledRecord>>;
    async fn select_pupil_records(&mut self, pupil: i64) -> Result<Vec<FiledRecord>>;
    async fn select_school_records(&mut self, school: i64) -> Result<Vec<FiledRecord>>;
    async fn insert_letter(&mut self, school: i64, letter: &NewLetter) -> Result<i64>;
    async fn select_pupil_letters(&mut self, pupil: i64) -> Result<Vec<LetterRecord>>;
    async fn select_letter(&mut self, school: i64, id: i64) -> Result<Option<LetterRecord>>;
}

macro_rules! impl_case_file_sql {
    ($conn:ty) => {
        #[async_trait]
        impl CaseFileSql for $conn {
            async fn insert_record(
                &mut self,
                school: i64,
                pupil: i64,
                record: &Record,
                at: jiff::civil::DateTime,
                by: &str,
            ) -> Result<i64> {
                sqlx::query_scalar(
                    "INSERT INTO case_files (school_id, pupil_id, kind, body, at, by_name) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(school)
                .bind(pupil)
                .bind(record.kind())
                .bind(body_of(record)?)
                .bind(jiff_sqlx::DateTime::from(at))
                .bind(by)
                .fetch_one(&mut *self)
                .await
                .map_err(db)
            }

            async fn update_record(
                &mut self,
                school: i64,
                id: i64,
                record: &Record,
                at: jiff::civil::DateTime,
                by: &str,
            ) -> Result<u64> {
                sqlx::query(
                    "UPDATE case_files SET body = $3, at = $4, by_name = $5 \
                     WHERE school_id = $1 AND id = $2 AND kind = $6",
                )
                .bind(school)
                .bind(id)
                .bind(body_of(record)?)
                .bind(jiff_sqlx::DateTime::from(at))
                .bind(by)
                .bind(record.kind())
                .execute(&mut *self)
                .await
                .map(|r| r.rows_affected())
                .map_err(db)
            }

            async fn select_record(&mut self, school: i64, id: i64) -> Result<Option<FiledRecord>> {
                sqlx::query_as::<_, FileRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {FILE_COLUMNS} FROM case_files WHERE school_id = $1 AND id = $2"
                )))
                .bind(school)
                .bind(id)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(FileRow::record)
                .transpose()
            }

            async fn select_pupil_records(&mut self, pupil: i64) -> Result<Vec<FiledRecord>> {
                rows_by!(self, FileRow,
                    format!("SELECT {FILE_COLUMNS} FROM case_files WHERE pupil_id = $1 ORDER BY id"), pupil)
            }

            async fn select_school_records(&mut self, school: i64) -> Result<Vec<FiledRecord>> {
                rows_by!(self, FileRow,
                    format!("SELECT {FILE_COLUMNS} FROM case_files WHERE school_id = $1 ORDER BY id"), school)
            }

            async fn insert_letter(&mut self, school: i64, l: &NewLetter) -> Result<i64> {
                sqlx::query_scalar(
                    "INSERT INTO letters (school_id, pupil_id, template, recipient, subject, content, sent, by_name) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(school)
                .bind(l.entry.pupil.0)
                .bind(&l.template)
                .bind(&l.recipient)
                .bind(&l.subject)
                .bind(&l.content)
                .bind(jiff_sqlx::DateTime::from(l.entry.entry.at))
                .bind(format!("{}, {}", l.entry.actor.name, l.entry.actor.position))
                .fetch_one(&mut *self)
                .await
                .map_err(db)
            }

            async fn select_pupil_letters(&mut self, pupil: i64) -> Result<Vec<LetterRecord>> {
                rows_by!(self, LetterRow,
                    format!("SELECT {LETTER_COLUMNS} FROM letters WHERE pupil_id = $1 ORDER BY id"), pupil)
            }

            async fn select_letter(&mut self, school: i64, id: i64) -> Result<Option<LetterRecord>> {
                sqlx::query_as::<_, LetterRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {LETTER_COLUMNS} FROM letters WHERE school_id = $1 AND id = $2"
                )))
                .bind(school)
                .bind(id)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(LetterRow::record)
                .transpose()
            }
        }
    };
}

impl_case_file_sql!(sqlx::SqliteConnection);
impl_case_file_sql!(sqlx::PgConnection);
