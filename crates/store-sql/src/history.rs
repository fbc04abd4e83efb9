//! Attendance at earlier schools, as common transfer files sent it: the statements once for
//! both databases (as in `statements.rs`).

use async_trait::async_trait;
use jiff::civil::DateTime;
use rollcall_core::history::{SessionString, YearAttendance};
use rollcall_core::{AcademicYear, LaEstab};

use crate::statements::{Result, corrupt, db, rows_by};

#[derive(sqlx::FromRow)]
struct HistoryRow {
    year: i32,
    la_estab: String,
    school_name: String,
    possible: i64,
    attended: i64,
    authorised: i64,
    unauthorised: i64,
    marks_from: Option<jiff_sqlx::Date>,
    marks: Option<String>,
}

impl HistoryRow {
    fn record(self) -> Result<YearAttendance> {
        let count = |n: i64| u32::try_from(n).map_err(|_| corrupt("session count", &n.to_string()));
        Ok(YearAttendance {
            year: AcademicYear(
                i16::try_from(self.year).map_err(|_| corrupt("year", &self.year.to_string()))?,
            ),
            school: LaEstab::parse(&self.la_estab)
                .map_err(|_| corrupt("LA/establishment number", &self.la_estab))?,
            school_name: self.school_name,
            possible: count(self.possible)?,
            attended: count(self.attended)?,
            authorised: count(self.authorised)?,
            unauthorised: count(self.unauthorised)?,
            sessions: match (self.marks_from, self.marks) {
                (Some(first), Some(marks)) => Some(SessionString {
                    first: first.to_jiff(),
                    marks,
                }),
                _ => None,
            },
        })
    }
}

#[async_trait]
pub(crate) trait HistorySql: Send {
    async fn upsert_history(
        &mut self,
        school: i64,
        pupil: i64,
        year: &YearAttendance,
        at: DateTime,
        by: &str,
    ) -> Result<()>;
    async fn select_history(&mut self, pupil: i64) -> Result<Vec<YearAttendance>>;
}

macro_rules! impl_history_sql {
    ($conn:ty) => {
        #[async_trait]
        impl HistorySql for $conn {
            async fn upsert_history(
                &mut self,
                school: i64,
                pupil: i64,
                y: &YearAttendance,
                at: DateTime,
                by: &str,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO attendance_history (school_id, pupil_id, year, la_estab, \
                     school_name, possible, attended, authorised, unauthorised, marks_from, marks, \
                     at, by_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                     ON CONFLICT (pupil_id, year, la_estab) DO UPDATE SET \
                     school_name = excluded.school_name, possible = excluded.possible, \
                     attended = excluded.attended, authorised = excluded.authorised, \
                     unauthorised = excluded.unauthorised, marks_from = excluded.marks_from, \
                     marks = excluded.marks, at = excluded.at, by_name = excluded.by_name",
                )
                .bind(school)
                .bind(pupil)
                .bind(i32::from(y.year.0))
                .bind(y.school.to_string())
                .bind(&y.school_name)
                .bind(i64::from(y.possible))
                .bind(i64::from(y.attended))
                .bind(i64::from(y.authorised))
                .bind(i64::from(y.unauthorised))
                .bind(y.sessions.as_ref().map(|s| jiff_sqlx::Date::from(s.first)))
                .bind(y.sessions.as_ref().map(|s| s.marks.as_str()))
                .bind(jiff_sqlx::DateTime::from(at))
                .bind(by)
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }

            async fn select_history(&mut self, pupil: i64) -> Result<Vec<YearAttendance>> {
                rows_by!(self, HistoryRow,
                    "SELECT year, la_estab, school_name, possible, attended, authorised, \
                     unauthorised, marks_from, marks FROM attendance_history WHERE pupil_id = $1 \
                     ORDER BY year, la_estab".to_owned(), pupil)
            }
        }
    };
}

impl_history_sql!(sqlx::SqliteConnection);
impl_history_sql!(sqlx::PgConnection);
