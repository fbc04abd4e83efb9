//! Every SQL statement rollcall runs, once, for both SQLite and PostgreSQL.
//!
//! [`Sql`] has a method per statement. `impl_sql!` implements it for a connection type; its body
//! is the one copy of the SQL, which both databases accept (`$n` placeholders, `ON CONFLICT`,
//! `RETURNING`). The few statements that differ take their text from the macro's arguments.

use async_trait::async_trait;
use jiff::civil::Date;
use rollcall_core::{EntryKind, Pupil, SessionKey};
use rollcall_store::{
    CaseRecord, Characteristic, CharacteristicChange, Contact, ContactRecord, DeliveryStatus,
    Enrolment, FlagRecord, GroupRecord, JobRecord, MessageRecord, NewCaseEntry, NewFlag,
    NewMessage, NewSchool, NewUser, PupilRecord, ScheduledJob, SchoolRecord, StoredMark,
    SubmissionRecord,
};

use crate::time::to_micros;

mod decode;
mod values;

pub(crate) use decode::*;
pub(crate) use values::*;

pub(crate) const CONTACT_COLUMNS: &str = "c.id, c.pupil_id, c.name, c.relationship, \
    c.parental_responsibility, c.lives_with_pupil, c.correspondence, c.salutation, c.priority, \
    c.phones, c.email, c.address, c.preferred_language, c.court_order, c.opted_out";

pub(crate) const PUPIL_COLUMNS: &str = "p.id, p.school_id, p.upn, p.legal_surname, p.legal_forename, \
    p.preferred_forename, p.date_of_birth, p.sex, p.year_group, p.reg_group_id, \
    g.name AS reg_group, p.entry_date, p.leaving_date, p.fsm, p.eal, p.sen, p.la_estab, \
    p.pupil_premium";

const MARK_COLUMNS: &str = "m.pupil_id, m.date, m.session, m.code, m.minutes_late, m.comment, \
    m.source, m.recorded_by, m.recorded_at, m.version, m.entry_hash";

pub(crate) const MESSAGE_COLUMNS: &str = "id, pupil_id, contact_id, channel, recipient, \
    subject, body, queued_at, status, attempts, error, sent_at";

const CASE_COLUMNS: &str = "id, pupil_id, at, kind, rating, likelihood, frequency, item_rule, \
    item_occasion, with_whom, note, by_name, by_position, recorded_at";

const FLAG_COLUMNS: &str =
    "id, pupil_id, flag, from_date, until_date, note, by_name, by_position, ended_by";

/// Marks per statement when importing: 12 parameters each, well within both databases' limits.
pub(crate) const IMPORT_BATCH: usize = 1_000;

/// One method per statement.
#[async_trait]
pub(crate) trait Sql: Send {
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

    /// Refreshes the query planner's statistics, as after a bulk load.
    async fn analyze(&mut self) -> Result<()>;

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

/// Every row a query for one id (a pupil's, a school's) returns, as records.
macro_rules! rows_by {
    ($conn:ident, $row:ty, $sql:expr, $id:expr) => {
        sqlx::query_as::<_, $row>(sqlx::AssertSqlSafe($sql))
            .bind($id)
            .fetch_all(&mut *$conn)
            .await
            .map_err(db)?
            .into_iter()
            .map(<$row>::record)
            .collect()
    };
}
pub(crate) use rows_by;

macro_rules! impl_sql {
    ($conn:ty, $db:ty, for_update = $for_update:literal, analyze = $analyze:literal) => {
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
                sqlx::query_as::<_, PupilRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {PUPIL_COLUMNS} FROM pupils p LEFT JOIN reg_groups g ON g.id = p.reg_group_id \
                     WHERE p.school_id = $1 ORDER BY p.id"
                )))
                .bind(school)
                .fetch_all(&mut *self)
                .await
                .map_err(db)?
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

            async fn analyze(&mut self) -> Result<()> {
                sqlx::query($analyze)
                    .execute(&mut *self)
                    .await
                    .map(|_| ())
                    .map_err(db)
            }

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

impl_sql!(
    sqlx::SqliteConnection,
    sqlx::Sqlite,
    // SQLite has no row locks: write transactions begin IMMEDIATE, which serialises them.
    for_update = "",
    analyze = "PRAGMA optimize"
);
impl_sql!(
    sqlx::PgConnection,
    sqlx::Postgres,
    for_update = " FOR UPDATE OF m",
    analyze = "ANALYZE"
);
