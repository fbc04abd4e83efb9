//! Every SQL statement rollcall runs, once, for both SQLite and PostgreSQL.
//!
//! [`Sql`] has a method per statement. `impl_sql!` implements it for a connection type; its body
//! is the one copy of the SQL, which both databases accept (`$n` placeholders, `ON CONFLICT`,
//! `RETURNING`). The few statements that differ take their text from the macro's arguments.
//! The marks' and submissions' statements are [`MarkSql`] (`marks.rs`) and the casework's
//! [`CaseSql`] (`casework.rs`), both required by [`Sql`], so a connection that is `Sql` has
//! them all.

use async_trait::async_trait;
use jiff::civil::Date;
use rollcall_core::Pupil;
use rollcall_store::{
    Characteristic, CharacteristicChange, Contact, ContactRecord, Enrolment, GroupRecord,
    NewSchool, NewUser, PupilRecord, SchoolRecord,
};

mod casework;
mod decode;
mod marks;
mod values;

pub(crate) use casework::*;
pub(crate) use decode::*;
pub(crate) use marks::*;
pub(crate) use values::*;

pub(crate) const CONTACT_COLUMNS: &str = "c.id, c.pupil_id, c.name, c.relationship, \
    c.parental_responsibility, c.lives_with_pupil, c.correspondence, c.salutation, c.priority, \
    c.phones, c.email, c.address, c.preferred_language, c.court_order, c.opted_out";

/// One method per statement.
#[async_trait]
pub(crate) trait Sql: MarkSql + CaseSql + Send {
    async fn select_one(&mut self) -> Result<()>;
    async fn insert_trust(&mut self, name: &str) -> Result<i64>;
    async fn insert_school(&mut self, school: &NewSchool) -> Result<i64>;
    async fn select_schools(&mut self) -> Result<Vec<SchoolRecord>>;
    async fn select_school(&mut self, id: i64) -> Result<Option<SchoolRecord>>;
    async fn update_policy(&mut self, id: i64, policy: &str) -> Result<u64>;

    async fn insert_user(&mut self, user: &NewUser) -> Result<i64>;
    async fn insert_role(&mut self, user: i64, school: i64, role: &str) -> Result<()>;
    async fn select_roles(&mut self, user: i64) -> Result<Vec<(i64, String)>>;

    async fn upsert_group(&mut self, school: i64, name: &str) -> Result<i64>;
    async fn select_groups(&mut self, school: i64) -> Result<Vec<GroupRecord>>;
    async fn select_group(&mut self, id: i64) -> Result<Option<GroupRecord>>;
    async fn insert_group_staff(&mut self, group: i64, user: i64) -> Result<()>;
    async fn select_groups_of_staff(&mut self, user: i64, school: i64) -> Result<Vec<GroupRecord>>;

    async fn insert_pupil(&mut self, school: i64, group: Option<i64>, pupil: &Pupil)
    -> Result<i64>;
    async fn update_pupil(&mut self, key: i64, group: Option<i64>, pupil: &Pupil) -> Result<()>;
    async fn select_pupil(&mut self, key: i64) -> Result<Option<PupilRecord>>;
    async fn select_pupil_by_upn(&mut self, school: i64, upn: &str) -> Result<Option<PupilRecord>>;
    async fn select_pupils(&mut self, school: i64) -> Result<Vec<PupilRecord>>;
    async fn select_pupils_of_group(&mut self, group: i64, on: Date) -> Result<Vec<PupilRecord>>;
    async fn insert_enrolment(
        &mut self,
        key: i64,
        entry: Option<Date>,
        leaving: Option<Date>,
    ) -> Result<()>;
    async fn update_leaving(&mut self, key: i64, leaving: Date) -> Result<()>;
    async fn select_enrolments(&mut self, key: i64) -> Result<Vec<Enrolment>>;
    async fn insert_characteristic(
        &mut self,
        key: i64,
        change: &CharacteristicChange,
    ) -> Result<()>;
    async fn select_characteristics(&mut self, key: i64) -> Result<Vec<CharacteristicChange>>;
    async fn insert_contact(&mut self, key: i64, contact: &Contact) -> Result<i64>;
    async fn select_contacts(&mut self, key: i64) -> Result<Vec<ContactRecord>>;

    /// Refreshes the query planner's statistics, as after a bulk load.
    async fn analyze(&mut self) -> Result<()>;
}

pub(crate) fn opt_date(d: Option<Date>) -> Option<jiff_sqlx::Date> {
    d.map(jiff_sqlx::Date::from)
}

/// Binds a pupil's fields after the key, in the column order `insert_pupil` and `update_pupil`
/// share: names, birth date, sex, year and registration groups, dates on roll, FSM, EAL, SEN,
/// school.
macro_rules! bind_pupil {
    ($query:expr, $group:expr, $p:expr) => {
        $query
            .bind(&$p.legal_surname)
            .bind(&$p.legal_forename)
            .bind(&$p.preferred_forename)
            .bind(jiff_sqlx::Date::from($p.date_of_birth))
            .bind($p.sex.code())
            .bind($p.year_group.to_string())
            .bind($group)
            .bind(opt_date($p.entry_date))
            .bind(opt_date($p.leaving_date))
            .bind($p.fsm)
            .bind($p.eal)
            .bind($p.sen.code())
            .bind($p.school.map(|s| s.to_string()))
            .bind($p.pupil_premium)
    };
}

/// Binds a contact's fields, in the column order the contact statements share: name,
/// relationship, parental responsibility, lives with the pupil, letters, priority, phones,
/// email, address, language, court order, opted out, salutation.
macro_rules! bind_contact {
    ($query:expr, $c:expr) => {
        $query
            .bind(&$c.name)
            .bind(&$c.relationship)
            .bind($c.parental_responsibility)
            .bind($c.lives_with_pupil)
            .bind($c.correspondence)
            .bind(i32::from($c.priority))
            .bind($c.phones.join("\n"))
            .bind(&$c.email)
            .bind(&$c.address)
            .bind(&$c.preferred_language)
            .bind(&$c.court_order)
            .bind($c.opted_out)
            .bind(&$c.salutation)
    };
}
pub(crate) use bind_contact;

/// A school's pupils, in key order.
fn school_pupils_sql() -> String {
    format!(
        "SELECT {PUPIL_COLUMNS} FROM pupils p LEFT JOIN reg_groups g ON g.id = p.reg_group_id \
         WHERE p.school_id = $1 ORDER BY p.id"
    )
}

async fn pg_school_pupils(conn: &mut sqlx::PgConnection, school: i64) -> Result<Vec<PupilRow>> {
    sqlx::query_as::<_, PupilRow>(sqlx::AssertSqlSafe(school_pupils_sql()))
        .bind(school)
        .fetch_all(conn)
        .await
        .map_err(db)
}

/// Straight from SQLite's handle, as a school's register is read (`direct.rs`).
async fn sqlite_school_pupils(
    conn: &mut sqlx::SqliteConnection,
    school: i64,
) -> Result<Vec<PupilRow>> {
    crate::direct::fetch_all(conn, &school_pupils_sql(), school, PupilRow::from_sqlite).await
}

macro_rules! impl_sql {
    ($conn:ty, $db:ty, analyze = $analyze:literal, school_pupils = $school_pupils:path) => {
        #[async_trait]
        impl Sql for $conn {
            async fn select_one(&mut self) -> Result<()> {
                sqlx::query("SELECT 1").execute(&mut *self).await.map(|_| ()).map_err(db)
            }

            async fn insert_trust(&mut self, name: &str) -> Result<i64> {
                sqlx::query_scalar("INSERT INTO trusts (name) VALUES ($1) RETURNING id")
                    .bind(name)
                    .fetch_one(&mut *self)
                    .await
                    .map_err(db)
            }

            async fn insert_school(&mut self, s: &NewSchool) -> Result<i64> {
                sqlx::query_scalar(
                    "INSERT INTO schools (trust_id, name, urn, la_estab, policy) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(s.trust.map(|t| t.0))
                .bind(&s.name)
                .bind(s.urn.map(|u| u.to_string()))
                .bind(s.la_estab.map(|l| l.to_string()))
                .bind(&s.policy)
                .fetch_one(&mut *self)
                .await
                .map_err(db)
            }

            async fn select_schools(&mut self) -> Result<Vec<SchoolRecord>> {
                sqlx::query_as::<_, SchoolRow>(
                    "SELECT id, trust_id, name, urn, la_estab, policy FROM schools ORDER BY id",
                )
                .fetch_all(&mut *self)
                .await
                .map_err(db)?
                .into_iter()
                .map(SchoolRow::record)
                .collect()
            }

            async fn select_school(&mut self, id: i64) -> Result<Option<SchoolRecord>> {
                sqlx::query_as::<_, SchoolRow>(
                    "SELECT id, trust_id, name, urn, la_estab, policy FROM schools WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(SchoolRow::record)
                .transpose()
            }

            async fn update_policy(&mut self, id: i64, policy: &str) -> Result<u64> {
                sqlx::query("UPDATE schools SET policy = $2 WHERE id = $1")
                    .bind(id)
                    .bind(policy)
                    .execute(&mut *self)
                    .await
                    .map(|r| r.rows_affected())
                    .map_err(db)
            }

            async fn insert_user(&mut self, u: &NewUser) -> Result<i64> {
                sqlx::query_scalar(
                    "INSERT INTO users (username, name, position, password_hash) \
                     VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(&u.username)
                .bind(&u.name)
                .bind(&u.position)
                .bind(&u.password_hash)
                .fetch_one(&mut *self)
                .await
                .map_err(db)
            }

            async fn insert_role(&mut self, user: i64, school: i64, role: &str) -> Result<()> {
                sqlx::query(
                    "INSERT INTO staff_roles (user_id, school_id, role) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(user)
                .bind(school)
                .bind(role)
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }

            async fn select_roles(&mut self, user: i64) -> Result<Vec<(i64, String)>> {
                sqlx::query_as(
                    "SELECT school_id, role FROM staff_roles WHERE user_id = $1 ORDER BY school_id, role",
                )
                .bind(user)
                .fetch_all(&mut *self)
                .await
                .map_err(db)
            }

            async fn upsert_group(&mut self, school: i64, name: &str) -> Result<i64> {
                sqlx::query_scalar(
                    "INSERT INTO reg_groups (school_id, name) VALUES ($1, $2) \
                     ON CONFLICT (school_id, name) DO UPDATE SET name = excluded.name RETURNING id",
                )
                .bind(school)
                .bind(name)
                .fetch_one(&mut *self)
                .await
                .map_err(db)
            }

            async fn select_groups(&mut self, school: i64) -> Result<Vec<GroupRecord>> {
                Ok(sqlx::query_as::<_, GroupRow>(
                    "SELECT id, school_id, name FROM reg_groups WHERE school_id = $1 ORDER BY name",
                )
                .bind(school)
                .fetch_all(&mut *self)
                .await
                .map_err(db)?
                .into_iter()
                .map(GroupRow::record)
                .collect())
            }

            async fn select_group(&mut self, id: i64) -> Result<Option<GroupRecord>> {
                Ok(sqlx::query_as::<_, GroupRow>(
                    "SELECT id, school_id, name FROM reg_groups WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(GroupRow::record))
            }

            async fn insert_group_staff(&mut self, group: i64, user: i64) -> Result<()> {
                sqlx::query(
                    "INSERT INTO reg_group_staff (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(group)
                .bind(user)
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }

            async fn select_groups_of_staff(&mut self, user: i64, school: i64) -> Result<Vec<GroupRecord>> {
                Ok(sqlx::query_as::<_, GroupRow>(
                    "SELECT g.id, g.school_id, g.name FROM reg_groups g \
                     JOIN reg_group_staff s ON s.group_id = g.id \
                     WHERE s.user_id = $1 AND g.school_id = $2 ORDER BY g.name",
                )
                .bind(user)
                .bind(school)
                .fetch_all(&mut *self)
                .await
                .map_err(db)?
                .into_iter()
                .map(GroupRow::record)
                .collect())
            }

            async fn insert_pupil(&mut self, school: i64, group: Option<i64>, p: &Pupil) -> Result<i64> {
                let query = sqlx::query_scalar(
                    "INSERT INTO pupils (school_id, upn, legal_surname, legal_forename, \
                     preferred_forename, date_of_birth, sex, year_group, reg_group_id, entry_date, \
                     leaving_date, fsm, eal, sen, la_estab, pupil_premium) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
                     RETURNING id",
                )
                .bind(school)
                .bind(p.upn.as_str());
                bind_pupil!(query, group, p).fetch_one(&mut *self).await.map_err(db)
            }

            async fn update_pupil(&mut self, key: i64, group: Option<i64>, p: &Pupil) -> Result<()> {
                let query = sqlx::query(
                    "UPDATE pupils SET legal_surname = $2, legal_forename = $3, preferred_forename = $4, \
                     date_of_birth = $5, sex = $6, year_group = $7, reg_group_id = $8, entry_date = $9, \
                     leaving_date = $10, fsm = $11, eal = $12, sen = $13, la_estab = $14, \
                     pupil_premium = $15 WHERE id = $1",
                )
                .bind(key);
                bind_pupil!(query, group, p)
                    .execute(&mut *self)
                    .await
                    .map(|_| ())
                    .map_err(db)
            }

            async fn select_pupil(&mut self, key: i64) -> Result<Option<PupilRecord>> {
                sqlx::query_as::<_, PupilRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {PUPIL_COLUMNS} FROM pupils p LEFT JOIN reg_groups g ON g.id = p.reg_group_id \
                     WHERE p.id = $1"
                )))
                .bind(key)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(PupilRow::record)
                .transpose()
            }

            async fn select_pupil_by_upn(&mut self, school: i64, upn: &str) -> Result<Option<PupilRecord>> {
                sqlx::query_as::<_, PupilRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {PUPIL_COLUMNS} FROM pupils p LEFT JOIN reg_groups g ON g.id = p.reg_group_id \
                     WHERE p.school_id = $1 AND p.upn = $2"
                )))
                .bind(school)
                .bind(upn)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(PupilRow::record)
                .transpose()
            }

            async fn select_pupils(&mut self, school: i64) -> Result<Vec<PupilRecord>> {
                $school_pupils(self, school)
                    .await?
                    .into_iter()
                    .map(PupilRow::record)
                    .collect()
            }

            async fn select_pupils_of_group(&mut self, group: i64, on: Date) -> Result<Vec<PupilRecord>> {
                sqlx::query_as::<_, PupilRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {PUPIL_COLUMNS} FROM pupils p JOIN reg_groups g ON g.id = p.reg_group_id \
                     WHERE p.reg_group_id = $1 \
                     AND (p.entry_date IS NULL OR p.entry_date <= $2) \
                     AND (p.leaving_date IS NULL OR p.leaving_date >= $2) \
                     ORDER BY p.legal_surname, p.legal_forename, p.id"
                )))
                .bind(group)
                .bind(jiff_sqlx::Date::from(on))
                .fetch_all(&mut *self)
                .await
                .map_err(db)?
                .into_iter()
                .map(PupilRow::record)
                .collect()
            }

            async fn insert_enrolment(&mut self, key: i64, entry: Option<Date>, leaving: Option<Date>) -> Result<()> {
                sqlx::query("INSERT INTO enrolments (pupil_id, entry_date, leaving_date) VALUES ($1, $2, $3)")
                    .bind(key)
                    .bind(opt_date(entry))
                    .bind(opt_date(leaving))
                    .execute(&mut *self)
                    .await
                    .map(|_| ())
                    .map_err(db)
            }

            async fn update_leaving(&mut self, key: i64, leaving: Date) -> Result<()> {
                let leaving = jiff_sqlx::Date::from(leaving);
                sqlx::query("UPDATE pupils SET leaving_date = $2 WHERE id = $1")
                    .bind(key)
                    .bind(leaving)
                    .execute(&mut *self)
                    .await
                    .map_err(db)?;
                sqlx::query(
                    "UPDATE enrolments SET leaving_date = $2 WHERE id = \
                     (SELECT max(id) FROM enrolments WHERE pupil_id = $1)",
                )
                .bind(key)
                .bind(leaving)
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }

            async fn select_enrolments(&mut self, key: i64) -> Result<Vec<Enrolment>> {
                let rows: Vec<(Option<jiff_sqlx::Date>, Option<jiff_sqlx::Date>)> = sqlx::query_as(
                    "SELECT entry_date, leaving_date FROM enrolments WHERE pupil_id = $1 ORDER BY id",
                )
                .bind(key)
                .fetch_all(&mut *self)
                .await
                .map_err(db)?;
                Ok(rows
                    .into_iter()
                    .map(|(entry, leaving)| Enrolment {
                        entry_date: entry.map(|d| d.to_jiff()),
                        leaving_date: leaving.map(|d| d.to_jiff()),
                    })
                    .collect())
            }

            async fn insert_characteristic(&mut self, key: i64, change: &CharacteristicChange) -> Result<()> {
                sqlx::query(
                    "INSERT INTO characteristic_changes (pupil_id, characteristic, value, effective_from) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(key)
                .bind(change.characteristic.id())
                .bind(&change.value)
                .bind(opt_date(change.from))
                .execute(&mut *self)
                .await
                .map_err(db)?;
                let column = match change.characteristic {
                    Characteristic::Fsm => "UPDATE pupils SET fsm = $2 WHERE id = $1",
                    Characteristic::Eal => "UPDATE pupils SET eal = $2 WHERE id = $1",
                    Characteristic::Sen => "UPDATE pupils SET sen = $2 WHERE id = $1",
                    Characteristic::PupilPremium => "UPDATE pupils SET pupil_premium = $2 WHERE id = $1",
                };
                let query = sqlx::query(column).bind(key);
                let query = match change.characteristic {
                    Characteristic::Sen => query.bind(change.value.clone()),
                    _ => query.bind(change.value == "true"),
                };
                query.execute(&mut *self).await.map(|_| ()).map_err(db)
            }

            async fn select_characteristics(&mut self, key: i64) -> Result<Vec<CharacteristicChange>> {
                let rows: Vec<(String, String, Option<jiff_sqlx::Date>)> = sqlx::query_as(
                    "SELECT characteristic, value, effective_from FROM characteristic_changes \
                     WHERE pupil_id = $1 ORDER BY id",
                )
                .bind(key)
                .fetch_all(&mut *self)
                .await
                .map_err(db)?;
                rows.into_iter()
                    .map(|(c, value, from)| {
                        Ok(CharacteristicChange {
                            characteristic: Characteristic::parse(&c)
                                .ok_or_else(|| corrupt("characteristic", &c))?,
                            value,
                            from: from.map(|d| d.to_jiff()),
                        })
                    })
                    .collect()
            }

            async fn insert_contact(&mut self, key: i64, c: &Contact) -> Result<i64> {
                let query = sqlx::query_scalar(
                    "INSERT INTO contacts (pupil_id, name, relationship, parental_responsibility, \
                     lives_with_pupil, correspondence, priority, phones, email, address, preferred_language, \
                     court_order, opted_out, salutation) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
                )
                .bind(key);
                bind_contact!(query, c).fetch_one(&mut *self).await.map_err(db)
            }

            async fn select_contacts(&mut self, key: i64) -> Result<Vec<ContactRecord>> {
                Ok(sqlx::query_as::<_, ContactRow>(
                    sqlx::AssertSqlSafe(format!("SELECT {CONTACT_COLUMNS} FROM contacts c WHERE c.pupil_id = $1 AND NOT c.ended ORDER BY c.priority, c.id")),
                )
                .bind(key)
                .fetch_all(&mut *self)
                .await
                .map_err(db)?
                .into_iter()
                .map(ContactRow::record)
                .collect())
            }

            async fn analyze(&mut self) -> Result<()> {
                sqlx::query($analyze)
                    .execute(&mut *self)
                    .await
                    .map(|_| ())
                    .map_err(db)
            }
        }
    };
}

impl_sql!(
    sqlx::SqliteConnection,
    sqlx::Sqlite,
    analyze = "PRAGMA optimize",
    school_pupils = sqlite_school_pupils
);
impl_sql!(
    sqlx::PgConnection,
    sqlx::Postgres,
    analyze = "ANALYZE",
    school_pupils = pg_school_pupils
);
