//! rollcall's storage in SQLite (the embedded default, a file in a data directory) or
//! PostgreSQL (for trusts and local authorities), chosen by the URL's scheme.
//!
//! The SQL is written once (`statements.rs`) and runs on both; operations of several statements
//! (`ops.rs`) are written once over it. Each backend has its own migrations. Every write runs in
//! a transaction: SQLite's begin `IMMEDIATE`, so writers queue rather than fail. On PostgreSQL,
//! a write to a mark succeeds only if the mark is still the version it read; one that meets a
//! concurrent writer is rolled back and run again from its reads (`write!`), so the ledger's
//! original is always the value replaced.

mod backup;
mod direct;
mod families;
mod history;
mod home_links;
mod import;
mod ledger;
mod legacy;
mod ops;
mod postgres;
mod rows;
mod sqlite;
mod statements;
mod time;

pub use backup::{BackupError, backup, postgres_bin_dir, restore};

use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Date;
use rollcall_core::history::YearAttendance;
use rollcall_core::{Register, Role, Session, SessionKey};
use rollcall_store::{
    Actor, Amendment, BulkChange, BulkOutcome, CharacteristicChange, Contact, ContactId,
    ContactRecord, Directory, GroupId, GroupRecord, ImportDetails, ImportSummary, ImportTarget,
    LedgerCheck, LedgerEntry, MarkSource, NewSchool, NewUser, PlannedMark, PupilHistory, PupilKey,
    PupilRecord, RegisterSheet, Registers, Result, SchoolId, SchoolRecord, SheetRow, StaffUser,
    StoreError, StoredMark, Submission, SubmissionRecord, SubmitOutcome, TrustId, UserId,
};
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;

use crate::accounts::AccountSql;
use crate::admissions::AdmissionSql;
use crate::ledger::LedgerSql;
use crate::statements::{MarkSql, Sql, code_of, session_number};
use crate::time::from_micros;

enum Pool {
    /// SQLite allows one writer at a time: writers queue on the lock here rather than sleep
    /// and retry in SQLite's busy handler, and write through one connection of their own,
    /// whose page cache stays warm (a connection drops its cache whenever another has written).
    Sqlite(SqlitePool, tokio::sync::Mutex<SqlitePool>),
    Postgres(PgPool),
}

/// rollcall's store on SQLite or PostgreSQL.
pub struct SqlStore {
    pool: Pool,
    _checkpoints: Option<sqlite::Checkpoints>,
}

/// Runs `$body` with `$conn` bound to a pooled connection of either backend.
macro_rules! read {
    ($self:ident, |$conn:ident| $body:expr) => {
        match &$self.pool {
            $crate::Pool::Sqlite(pool, _) => {
                let mut held = pool
                    .acquire()
                    .await
                    .map_err($crate::statements::unreachable)?;
                let $conn: &mut sqlx::SqliteConnection = &mut held;
                $body
            }
            $crate::Pool::Postgres(pool) => {
                let mut held = pool
                    .acquire()
                    .await
                    .map_err($crate::statements::unreachable)?;
                let $conn: &mut sqlx::PgConnection = &mut held;
                $body
            }
        }
    };
}

/// Runs `$body` in a read-only transaction that sees one snapshot of the database throughout,
/// for reads of several statements that must agree with each other.
macro_rules! snapshot {
    ($self:ident, |$conn:ident| $body:expr) => {
        match &$self.pool {
            $crate::Pool::Sqlite(pool, _) => {
                let mut tx = pool
                    .begin_with("BEGIN")
                    .await
                    .map_err($crate::statements::unreachable)?;
                let $conn: &mut sqlx::SqliteConnection = &mut tx;
                $body
            }
            $crate::Pool::Postgres(pool) => {
                let mut tx = pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await
                    .map_err($crate::statements::unreachable)?;
                let $conn: &mut sqlx::PgConnection = &mut tx;
                $body
            }
        }
    };
}

/// How many times a write that met a concurrent write to the same records is run again.
const RETRIES: u32 = 8;

/// Runs `$body` (a `Result`) in a transaction that commits only if it succeeds. A body that
/// meets a concurrent writer ([`StoreError::Contended`]) is rolled back and run again, with
/// `$retry` true, so that it can lock what it reads and wait its turn rather than race again.
macro_rules! write {
    ($self:ident, |$conn:ident| $body:expr) => {
        write!($self, |$conn, _retry| $body)
    };
    ($self:ident, |$conn:ident, $retry:ident| $body:expr) => {{
        let mut tries = 0;
        loop {
            let $retry = tries > 0;
            let attempt = match &$self.pool {
                $crate::Pool::Sqlite(_, writer) => {
                    let turn = writer.lock().await;
                    let mut tx = turn
                        .begin_with("BEGIN IMMEDIATE")
                        .await
                        .map_err($crate::statements::db)?;
                    let out = {
                        let $conn: &mut sqlx::SqliteConnection = &mut tx;
                        $body
                    };
                    match out {
                        Ok(out) => tx
                            .commit()
                            .await
                            .map(|_| out)
                            .map_err($crate::statements::db),
                        Err(e) => Err(e),
                    }
                }
                $crate::Pool::Postgres(pool) => {
                    let mut tx = pool
                        .begin()
                        .await
                        .map_err($crate::statements::unreachable)?;
                    let out = {
                        let $conn: &mut sqlx::PgConnection = &mut tx;
                        $body
                    };
                    match out {
                        Ok(out) => tx
                            .commit()
                            .await
                            .map(|_| out)
                            .map_err($crate::statements::db),
                        Err(e) => Err(e),
                    }
                }
            };
            match attempt {
                Err(rollcall_store::StoreError::Contended) if tries < $crate::RETRIES => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(fastrand::u64(
                        0..=u64::from(tries),
                    )))
                    .await;
                }
                other => break other,
            }
        }
    }};
}

// Modules whose operations use the macros above.
mod accounts;
mod admissions;
mod casefiles;
mod casework;
mod contacts;
mod meetings;
mod parents;
mod qa;
mod records;
mod returns;
mod trusts;

impl SqlStore {
    /// Connects to `sqlite://PATH` (created if missing) or `postgres://...`, and brings the
    /// schema up to date.
    pub async fn connect(url: &str) -> Result<SqlStore> {
        let (pool, checkpoints) = if url.starts_with("sqlite:") {
            let sqlite = sqlite::connect(url).await?;
            (
                Pool::Sqlite(sqlite.reads, tokio::sync::Mutex::new(sqlite.writer)),
                Some(sqlite.checkpoints),
            )
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (Pool::Postgres(postgres::connect(url).await?), None)
        } else {
            return Err(StoreError::Invalid(format!(
                "a database URL starts sqlite: or postgres:; found {url:?}"
            )));
        };
        let store = SqlStore {
            pool,
            _checkpoints: checkpoints,
        };
        write!(store, |c| legacy::convert(c).await)?;
        write!(store, |c| rows::rebuild_if_asked(c).await)?;
        Ok(store)
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(..) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// Closes every connection.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pool, writer) => {
                writer.lock().await.close().await;
                pool.close().await;
            }
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

fn found<T>(value: Option<T>, what: &'static str) -> Result<T> {
    value.ok_or(StoreError::NotFound(what))
}

#[async_trait]
impl Directory for SqlStore {
    async fn ready(&self) -> Result<()> {
        read!(self, |c| c.select_one().await)
    }

    async fn create_trust(&self, name: &str) -> Result<TrustId> {
        write!(self, |c| c.insert_trust(name).await.map(TrustId))
    }

    async fn create_school(&self, school: &NewSchool) -> Result<SchoolId> {
        write!(self, |c| c.insert_school(school).await.map(SchoolId))
    }

    async fn schools(&self) -> Result<Vec<SchoolRecord>> {
        read!(self, |c| c.select_schools().await)
    }

    async fn school(&self, id: SchoolId) -> Result<SchoolRecord> {
        read!(self, |c| found(c.select_school(id.0).await?, "school"))
    }

    async fn set_policy(&self, id: SchoolId, policy: &str) -> Result<()> {
        write!(self, |c| match c.update_policy(id.0, policy).await? {
            0 => Err(StoreError::NotFound("school")),
            _ => Ok(()),
        })
    }

    async fn create_user(&self, user: &NewUser) -> Result<UserId> {
        write!(self, |c| {
            if c.select_user_by_username(&user.username).await?.is_some() {
                return Err(StoreError::Conflict(format!(
                    "the username {} is taken",
                    user.username
                )));
            }
            c.insert_user(user).await.map(UserId)
        })
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<StaffUser>> {
        accounts::user_by_username(self, username).await
    }

    async fn user(&self, id: UserId) -> Result<StaffUser> {
        accounts::user(self, id).await
    }

    async fn grant_role(&self, user: UserId, school: SchoolId, role: Role) -> Result<()> {
        write!(self, |c| c.insert_role(user.0, school.0, role.id()).await)
    }

    async fn roles(&self, user: UserId) -> Result<Vec<(SchoolId, Role)>> {
        let rows = read!(self, |c| c.select_roles(user.0).await)?;
        rows.into_iter()
            .map(|(school, role)| {
                Role::parse(&role)
                    .map(|r| (SchoolId(school), r))
                    .ok_or_else(|| StoreError::Database(format!("unknown role {role:?}").into()))
            })
            .collect()
    }

    async fn ensure_group(&self, school: SchoolId, name: &str) -> Result<GroupId> {
        write!(self, |c| c.upsert_group(school.0, name).await.map(GroupId))
    }

    async fn groups(&self, school: SchoolId) -> Result<Vec<GroupRecord>> {
        read!(self, |c| c.select_groups(school.0).await)
    }

    async fn group(&self, id: GroupId) -> Result<GroupRecord> {
        read!(self, |c| found(
            c.select_group(id.0).await?,
            "registration group"
        ))
    }

    async fn assign_staff(&self, group: GroupId, user: UserId) -> Result<()> {
        write!(self, |c| c.insert_group_staff(group.0, user.0).await)
    }

    async fn groups_of_staff(&self, user: UserId, school: SchoolId) -> Result<Vec<GroupRecord>> {
        read!(self, |c| c.select_groups_of_staff(user.0, school.0).await)
    }

    async fn add_pupil(&self, school: SchoolId, pupil: &rollcall_core::Pupil) -> Result<PupilKey> {
        write!(self, |c| {
            if c.select_pupil_by_upn(school.0, pupil.upn.as_str())
                .await?
                .is_some()
            {
                return Err(StoreError::Conflict(format!(
                    "{} is already on the school's roll",
                    pupil.upn
                )));
            }
            let group = c.upsert_group(school.0, &pupil.reg_group).await?;
            let key = c.insert_pupil(school.0, Some(group), pupil).await?;
            c.insert_enrolment(key, pupil.entry_date, pupil.leaving_date)
                .await?;
            Ok(PupilKey(key))
        })
    }

    async fn pupil(&self, key: PupilKey) -> Result<PupilRecord> {
        read!(self, |c| found(c.select_pupil(key.0).await?, "pupil"))
    }

    async fn pupils(&self, school: SchoolId) -> Result<Vec<PupilRecord>> {
        read!(self, |c| c.select_pupils(school.0).await)
    }

    async fn pupils_of_group(&self, group: GroupId, on: Date) -> Result<Vec<PupilRecord>> {
        read!(self, |c| c.select_pupils_of_group(group.0, on).await)
    }

    async fn change_characteristic(
        &self,
        key: PupilKey,
        change: &CharacteristicChange,
    ) -> Result<()> {
        write!(self, |c| {
            found(c.select_pupil(key.0).await?, "pupil")?;
            c.insert_characteristic(key.0, change).await
        })
    }

    async fn record_leaving(&self, key: PupilKey, leaving: Date) -> Result<()> {
        write!(self, |c| {
            found(c.select_pupil(key.0).await?, "pupil")?;
            c.update_leaving(key.0, leaving).await
        })
    }

    async fn pupil_history(&self, key: PupilKey) -> Result<PupilHistory> {
        read!(self, |c| Ok(PupilHistory {
            enrolments: c.select_enrolments(key.0).await?,
            characteristics: c.select_characteristics(key.0).await?,
        }))
    }

    async fn add_contact(&self, key: PupilKey, contact: &Contact) -> Result<ContactId> {
        write!(self, |c| {
            found(c.select_pupil(key.0).await?, "pupil")?;
            c.insert_contact(key.0, contact).await.map(ContactId)
        })
    }

    async fn contacts(&self, key: PupilKey) -> Result<Vec<ContactRecord>> {
        read!(self, |c| c.select_contacts(key.0).await)
    }
}

#[async_trait]
impl Registers for SqlStore {
    async fn register(
        &self,
        group: GroupId,
        date: Date,
        session: Session,
    ) -> Result<RegisterSheet> {
        let key = SessionKey { date, session };
        read!(self, |c| {
            let record = found(c.select_group(group.0).await?, "registration group")?;
            let roster = c
                .select_roster(group.0, date, session_number(session))
                .await?;
            let taken = c.select_latest_submission(group.0, key).await?;
            let prospective = c.select_prospective(group.0, date).await?;
            Ok(RegisterSheet {
                prospective,
                group: record,
                key,
                taken,
                rows: roster
                    .into_iter()
                    .map(|(pupil, held)| SheetRow {
                        pupil,
                        mark: held.map(|h| h.mark),
                    })
                    .collect(),
            })
        })
    }

    async fn submit_register(&self, submission: &Submission) -> Result<SubmitOutcome> {
        write!(self, |c, retry| ops::submit_register(c, submission, retry)
            .await)
    }

    async fn amend_marks(&self, amendments: &[Amendment]) -> Result<()> {
        write!(self, |c| ops::amend_marks(c, amendments).await)
    }

    async fn bulk_code(&self, change: &BulkChange) -> Result<BulkOutcome> {
        write!(self, |c| ops::bulk_code(c, change).await)
    }

    async fn plan_marks(&self, plans: &[PlannedMark], actor: &Actor, at: Timestamp) -> Result<u64> {
        write!(self, |c| ops::plan_marks(c, plans, actor, at).await)
    }

    async fn marks(&self, key: PupilKey, first: Date, last: Date) -> Result<Vec<StoredMark>> {
        read!(self, |c| c.select_pupil_marks(key.0, first, last).await)
    }

    async fn day_marks(&self, school: SchoolId, date: Date) -> Result<Vec<(PupilKey, StoredMark)>> {
        let marks = read!(self, |c| c.select_day_marks(school.0, date).await)?;
        Ok(marks.into_iter().map(|(k, m)| (PupilKey(k), m)).collect())
    }

    async fn submissions(&self, school: SchoolId, date: Date) -> Result<Vec<SubmissionRecord>> {
        read!(self, |c| c.select_submissions(school.0, date).await)
    }

    async fn ledger(&self, key: PupilKey) -> Result<Vec<LedgerEntry>> {
        let rows = read!(self, |c| c.select_amendments(key.0).await)?;
        let entry = |code: &str, minutes: Option<i32>| -> Result<rollcall_store::Entry> {
            Ok(rollcall_store::Entry {
                code: code_of(code)?,
                minutes_late: minutes.and_then(|m| u16::try_from(m).ok()),
            })
        };
        rows.into_iter()
            .map(|r| {
                Ok(LedgerEntry {
                    pupil: PupilKey(r.pupil),
                    key: SessionKey {
                        date: r.date,
                        session: statements::session_of(r.session)?,
                    },
                    version: u32::try_from(r.version).unwrap_or_default(),
                    original: r
                        .original_code
                        .as_deref()
                        .map(|c| entry(c, r.original_minutes))
                        .transpose()?,
                    new: entry(&r.new_code, r.new_minutes)?,
                    source: MarkSource::parse(&r.source)
                        .ok_or_else(|| statements::corrupt("mark source", &r.source))?,
                    reason: r.reason.unwrap_or_default(),
                    at: from_micros(r.at),
                    by_name: r.by_name,
                    by_position: r.by_position,
                    hash: hex::encode(&r.hash),
                })
            })
            .collect()
    }

    async fn verify_ledger(&self, school: SchoolId) -> Result<LedgerCheck> {
        snapshot!(self, |c| ops::verify_ledger(c, school.0).await)
    }

    async fn load_register_keyed(&self, school: SchoolId) -> Result<(Register, Vec<PupilKey>)> {
        read!(self, |c| ops::load_register(c, school.0).await)
    }

    async fn import(
        &self,
        target: &ImportTarget,
        register: &Register,
        details: &ImportDetails,
        actor: &Actor,
        at: Timestamp,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<ImportSummary> {
        let summary = write!(self, |c| {
            let school = match target {
                ImportTarget::School { id, policy } => {
                    if let Some(policy) = policy
                        && c.update_policy(id.0, policy).await? == 0
                    {
                        return Err(StoreError::NotFound("school"));
                    }
                    id.0
                }
                ImportTarget::New(school) => c.insert_school(school).await?,
            };
            let summary = import::import(c, school, register, actor, at, progress).await?;
            import::contacts(c, school, details, actor).await?;
            import::history(c, school, details, actor).await?;
            Ok::<_, StoreError>(summary)
        })?;
        // Plans made before the load would otherwise go on assuming the tables it filled are
        // as small as they were.
        read!(self, |c| c.analyze().await)?;
        Ok(summary)
    }

    async fn attendance_history(&self, key: PupilKey) -> Result<Vec<YearAttendance>> {
        read!(self, |c| {
            use history::HistorySql as _;
            c.select_history(key.0).await
        })
    }
}
