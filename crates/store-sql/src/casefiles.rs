//! Case files and letters: the statements, once for both databases (as in `statements.rs`), and
//! the store's operations over them. A record's body is JSON, as `rollcall_core::casefile::Record`
//! reads it: the forms change more often than the columns anyone queries by.

use async_trait::async_trait;
use rollcall_core::casefile::{CaseFileRecord, Record};
use rollcall_core::delivery::Delivery;
use rollcall_store::{FiledRecord, LetterRecord, LetterSent, NewLetter, NewLetterSent, PupilKey};

use rollcall_store::{CaseFiles, NewCaseEntry, NewFileRecord, SchoolId, StoreError};

use crate::statements::{CaseSql, Result, Sql, corrupt, db, rows_by};
use crate::{SqlStore, found, ops};

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
    item: Option<String>,
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
            printed: self.sent.to_jiff(),
            by: self.by_name,
            item: self.item,
            sent: None,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SentRow {
    letter_id: i64,
    how: String,
    at: jiff_sqlx::DateTime,
    by_name: String,
}

/// Letters with where each stands: the latest recording of each, unless it was taken back.
fn with_sending(mut letters: Vec<LetterRecord>, rows: Vec<SentRow>) -> Result<Vec<LetterRecord>> {
    let at: std::collections::HashMap<i64, usize> =
        letters.iter().enumerate().map(|(i, l)| (l.id, i)).collect();
    for row in rows {
        let how = Delivery::parse(&row.how).ok_or_else(|| corrupt("letter sending", &row.how))?;
        if let Some(letter) = at.get(&row.letter_id).and_then(|&i| letters.get_mut(i)) {
            letter.sent = (how != Delivery::Undone).then(|| LetterSent {
                how,
                at: row.at.to_jiff(),
                by: row.by_name,
            });
        }
    }
    Ok(letters)
}

const FILE_COLUMNS: &str = "id, pupil_id, body, at, by_name";
const LETTER_COLUMNS: &str =
    "id, pupil_id, template, recipient, subject, content, sent, by_name, item";
const SENT_COLUMNS: &str = "d.letter_id, d.how, d.at, d.by_name";

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
    async fn select_pupil_sendings(&mut self, pupil: i64) -> Result<Vec<SentRow>>;
    async fn select_letter_sendings(&mut self, letter: i64) -> Result<Vec<SentRow>>;
    async fn select_school_letters(&mut self, school: i64) -> Result<Vec<LetterRecord>>;
    async fn select_school_sendings(&mut self, school: i64) -> Result<Vec<SentRow>>;
    async fn insert_sending(&mut self, school: i64, sent: &NewLetterSent) -> Result<()>;
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
                    "INSERT INTO letters (school_id, pupil_id, template, recipient, subject, content, sent, by_name, item) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(school)
                .bind(l.entry.pupil.0)
                .bind(&l.template)
                .bind(&l.recipient)
                .bind(&l.subject)
                .bind(&l.content)
                .bind(jiff_sqlx::DateTime::from(l.entry.entry.at))
                .bind(l.entry.actor.signature())
                .bind(l.entry.entry.item.as_ref().map(ToString::to_string))
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

            async fn select_pupil_sendings(&mut self, pupil: i64) -> Result<Vec<SentRow>> {
                sqlx::query_as::<_, SentRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {SENT_COLUMNS} FROM letter_deliveries d JOIN letters l ON l.id = d.letter_id \
                     WHERE l.pupil_id = $1 ORDER BY d.id"
                )))
                .bind(pupil)
                .fetch_all(&mut *self)
                .await
                .map_err(db)
            }

            async fn select_letter_sendings(&mut self, letter: i64) -> Result<Vec<SentRow>> {
                sqlx::query_as::<_, SentRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {SENT_COLUMNS} FROM letter_deliveries d WHERE d.letter_id = $1 ORDER BY d.id"
                )))
                .bind(letter)
                .fetch_all(&mut *self)
                .await
                .map_err(db)
            }

            async fn select_school_letters(&mut self, school: i64) -> Result<Vec<LetterRecord>> {
                rows_by!(self, LetterRow,
                    format!("SELECT {LETTER_COLUMNS} FROM letters WHERE school_id = $1 ORDER BY id"), school)
            }

            async fn select_school_sendings(&mut self, school: i64) -> Result<Vec<SentRow>> {
                sqlx::query_as::<_, SentRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {SENT_COLUMNS} FROM letter_deliveries d WHERE d.school_id = $1 ORDER BY d.id"
                )))
                .bind(school)
                .fetch_all(&mut *self)
                .await
                .map_err(db)
            }

            async fn insert_sending(&mut self, school: i64, sent: &NewLetterSent) -> Result<()> {
                sqlx::query(
                    "INSERT INTO letter_deliveries (school_id, letter_id, how, at, by_name) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(school)
                .bind(sent.letter)
                .bind(sent.how.id())
                .bind(jiff_sqlx::DateTime::from(sent.entry.entry.at))
                .bind(sent.entry.actor.signature())
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }
        }
    };
}

impl_case_file_sql!(sqlx::SqliteConnection);
impl_case_file_sql!(sqlx::PgConnection);

#[async_trait]
impl CaseFiles for SqlStore {
    async fn file_record(&self, new: &NewFileRecord) -> Result<i64> {
        write!(self, |c| {
            let pupil = found(c.select_pupil(new.entry.pupil.0).await?, "pupil")?;
            let school = pupil.school.0;
            if new.marks.iter().any(|m| m.pupil != new.entry.pupil) {
                return Err(StoreError::Invalid(
                    "a record enters marks for its own pupil only".into(),
                ));
            }
            let by = new.entry.actor.signature();
            let id = c
                .insert_record(school, pupil.key.0, &new.record, new.entry.entry.at, &by)
                .await?;
            c.insert_case_entry(school, &new.entry).await?;
            ops::plan_marks(c, &new.marks, &new.entry.actor, new.entry.recorded_at).await?;
            Ok::<_, StoreError>(id)
        })
    }

    async fn update_record(
        &self,
        school: SchoolId,
        id: i64,
        record: &Record,
        entry: &NewCaseEntry,
    ) -> Result<()> {
        write!(self, |c| {
            let held = found(c.select_record(school.0, id).await?, "case-file record")?;
            if held.pupil != entry.pupil {
                return Err(StoreError::NotFound("case-file record"));
            }
            let by = entry.actor.signature();
            if CaseFileSql::update_record(c, school.0, id, record, entry.entry.at, &by).await? == 0
            {
                return Err(StoreError::Invalid("a record keeps its kind".into()));
            }
            c.insert_case_entry(school.0, entry).await.map(|_| ())
        })
    }

    async fn filed_record(&self, school: SchoolId, id: i64) -> Result<FiledRecord> {
        found(
            read!(self, |c| c.select_record(school.0, id).await)?,
            "case-file record",
        )
    }

    async fn case_file(&self, key: PupilKey) -> Result<Vec<CaseFileRecord>> {
        let rows = read!(self, |c| c.select_pupil_records(key.0).await)?;
        Ok(rows.into_iter().map(|r| r.record).collect())
    }

    async fn school_case_files(&self, school: SchoolId) -> Result<Vec<FiledRecord>> {
        read!(self, |c| c.select_school_records(school.0).await)
    }

    async fn add_letters(&self, letters: &[NewLetter]) -> Result<Vec<i64>> {
        write!(self, |c| {
            let mut ids = Vec::with_capacity(letters.len());
            for letter in letters {
                let pupil = found(c.select_pupil(letter.entry.pupil.0).await?, "pupil")?;
                ids.push(c.insert_letter(pupil.school.0, letter).await?);
                c.insert_case_entry(pupil.school.0, &letter.entry).await?;
            }
            Ok::<_, StoreError>(ids)
        })
    }

    async fn letters(&self, key: PupilKey) -> Result<Vec<LetterRecord>> {
        read!(self, |c| {
            let letters = c.select_pupil_letters(key.0).await?;
            with_sending(letters, c.select_pupil_sendings(key.0).await?)
        })
    }

    async fn letter(&self, school: SchoolId, id: i64) -> Result<LetterRecord> {
        read!(self, |c| {
            let letter = found(c.select_letter(school.0, id).await?, "letter")?;
            let mut letters = with_sending(vec![letter], c.select_letter_sendings(id).await?)?;
            letters.pop().ok_or(StoreError::NotFound("letter"))
        })
    }

    async fn school_letters(&self, school: SchoolId) -> Result<Vec<LetterRecord>> {
        read!(self, |c| {
            let letters = c.select_school_letters(school.0).await?;
            with_sending(letters, c.select_school_sendings(school.0).await?)
        })
    }

    async fn letter_sent(&self, sent: &NewLetterSent) -> Result<()> {
        write!(self, |c| {
            let letter = found(c.select_letter(sent.school.0, sent.letter).await?, "letter")?;
            if letter.pupil != sent.entry.pupil {
                return Err(StoreError::NotFound("letter"));
            }
            c.insert_sending(sent.school.0, sent).await?;
            c.insert_case_entry(sent.school.0, &sent.entry)
                .await
                .map(|_| ())
        })
    }
}
