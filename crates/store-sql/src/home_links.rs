//! Learners' home schools and their lead contacts: the statements once for both databases (as
//! in `statements.rs`). A change adds a row; the latest row of a learner is in force.

use async_trait::async_trait;
use jiff::civil::DateTime;
use rollcall_core::LaEstab;
use rollcall_core::admission::home::HomeLink;
use rollcall_store::PupilKey;

use crate::statements::{Result, corrupt, db, rows_by};

#[derive(sqlx::FromRow)]
struct LinkRow {
    pupil_id: i64,
    school_name: String,
    la_estab: Option<String>,
    lead: String,
    email: Option<String>,
    phone: Option<String>,
}

impl LinkRow {
    fn record(self) -> Result<(PupilKey, HomeLink)> {
        let la_estab = match self.la_estab {
            Some(text) => {
                Some(LaEstab::parse(&text).map_err(|_| corrupt("LA/establishment number", &text))?)
            }
            None => None,
        };
        Ok((
            PupilKey(self.pupil_id),
            HomeLink {
                school: self.school_name,
                la_estab,
                lead: self.lead,
                email: self.email,
                phone: self.phone,
            },
        ))
    }
}

#[async_trait]
pub(crate) trait HomeLinkSql: Send {
    async fn insert_home_link(
        &mut self,
        school: i64,
        pupil: i64,
        link: &HomeLink,
        at: DateTime,
        by: &str,
    ) -> Result<()>;
    async fn select_home_links(&mut self, school: i64) -> Result<Vec<(PupilKey, HomeLink)>>;
}

macro_rules! impl_home_link_sql {
    ($conn:ty) => {
        #[async_trait]
        impl HomeLinkSql for $conn {
            async fn insert_home_link(
                &mut self,
                school: i64,
                pupil: i64,
                link: &HomeLink,
                at: DateTime,
                by: &str,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO home_links (school_id, pupil_id, school_name, la_estab, lead, \
                     email, phone, at, by_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(school)
                .bind(pupil)
                .bind(&link.school)
                .bind(link.la_estab.map(|l| l.to_string()))
                .bind(&link.lead)
                .bind(link.email.as_deref())
                .bind(link.phone.as_deref())
                .bind(jiff_sqlx::DateTime::from(at))
                .bind(by)
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }

            async fn select_home_links(&mut self, school: i64) -> Result<Vec<(PupilKey, HomeLink)>> {
                rows_by!(self, LinkRow,
                    "SELECT pupil_id, school_name, la_estab, lead, email, phone FROM home_links h \
                     WHERE school_id = $1 AND id = (SELECT max(id) FROM home_links l \
                     WHERE l.pupil_id = h.pupil_id) ORDER BY pupil_id".to_owned(), school)
            }
        }
    };
}

impl_home_link_sql!(sqlx::SqliteConnection);
impl_home_link_sql!(sqlx::PgConnection);
