//! The admission register: entries kept as versions, and deletions. The statements once for
//! both databases (as in `statements.rs`), and the store's operations over them.

use async_trait::async_trait;
use jiff::civil::{Date, DateTime};
use rollcall_core::admission::deletion::{Deletion, Ground};
use rollcall_core::admission::home::HomeLink;
use rollcall_core::admission::{Entry, FutureAddress, NextSchool, Registration};
use rollcall_store::{
    Actor, Admissions, ContactChange, ContactId, ContactRecord, DeletionRecord, EntryChange,
    EntryVersion, NewAdmission, PupilKey, PupilRecord, RegisterLine, SchoolId, StoreError,
};

use crate::contacts::ContactSql;
use crate::home_links::HomeLinkSql;
use crate::statements::{PUPIL_COLUMNS, PupilRow, Result, Sql, corrupt, db, opt_date, rows_by};
use crate::{SqlStore, found};

#[derive(sqlx::FromRow)]
struct EntryRow {
    pupil_id: i64,
    address: String,
    last_school: String,
    boarder: bool,
    registration: String,
    other_school: Option<String>,
    future_parent: Option<String>,
    future_address: Option<String>,
    future_from: Option<jiff_sqlx::Date>,
    next_school: Option<String>,
    next_school_address: Option<String>,
    next_school_from: Option<jiff_sqlx::Date>,
    change: String,
    at: jiff_sqlx::DateTime,
    by_name: String,
}

impl EntryRow {
    fn record(self) -> Result<EntryVersion> {
        let registration = Registration::parse(&self.registration)
            .ok_or_else(|| corrupt("registration", &self.registration))?;
        let change = EntryChange::parse(&self.change)
            .ok_or_else(|| corrupt("entry change", &self.change))?;
        let future_address = match (self.future_parent, self.future_address) {
            (Some(parent), Some(address)) => Some(FutureAddress {
                parent,
                address,
                from: self.future_from.map(|d| d.to_jiff()),
            }),
            _ => None,
        };
        let next_school = self.next_school.map(|name| NextSchool {
            name,
            address: self.next_school_address.unwrap_or_default(),
            from: self.next_school_from.map(|d| d.to_jiff()),
        });
        Ok(EntryVersion {
            pupil: PupilKey(self.pupil_id),
            entry: Entry {
                address: self.address,
                last_school: self.last_school,
                boarder: self.boarder,
                registration,
                other_school: self.other_school,
                future_address,
                next_school,
            },
            change,
            at: self.at.to_jiff(),
            by: self.by_name,
        })
    }
}

#[derive(sqlx::FromRow)]
struct DeletionRow {
    pupil_id: i64,
    ground: String,
    leaving_date: jiff_sqlx::Date,
    other_school: Option<String>,
    evidence_date: Option<jiff_sqlx::Date>,
    enquiries: Option<String>,
    note: String,
    at: jiff_sqlx::DateTime,
    by_name: String,
}

impl DeletionRow {
    fn record(self) -> Result<DeletionRecord> {
        let ground = Ground::parse(&self.ground).ok_or_else(|| corrupt("ground", &self.ground))?;
        Ok(DeletionRecord {
            pupil: PupilKey(self.pupil_id),
            deletion: Deletion {
                ground,
                leaving_date: self.leaving_date.to_jiff(),
                other_school: self.other_school,
                evidence_date: self.evidence_date.map(|d| d.to_jiff()),
                enquiries: self.enquiries,
                confirmed: true,
                note: self.note,
            },
            at: self.at.to_jiff(),
            by: self.by_name,
        })
    }
}

const ENTRY_COLUMNS: &str = "pupil_id, address, last_school, boarder, registration, other_school, \
     future_parent, future_address, future_from, next_school, next_school_address, next_school_from, \
     change, at, by_name";
const DELETION_COLUMNS: &str =
    "pupil_id, ground, leaving_date, other_school, evidence_date, enquiries, note, at, by_name";

#[async_trait]
pub(crate) trait AdmissionSql: Send {
    /// A group's prospective pupils on a date: admitted, with a starting day after it.
    async fn select_prospective(&mut self, group: i64, on: Date) -> Result<Vec<PupilRecord>>;
    async fn insert_entry(&mut self, school: i64, version: &EntryVersion) -> Result<()>;
    async fn select_entries(&mut self, pupil: i64) -> Result<Vec<EntryVersion>>;
    async fn select_school_entries(&mut self, school: i64) -> Result<Vec<EntryVersion>>;
    async fn insert_deletion(&mut self, school: i64, deletion: &DeletionRecord) -> Result<()>;
    async fn select_deletions(&mut self, pupil: i64) -> Result<Vec<DeletionRecord>>;
    async fn select_school_deletions(&mut self, school: i64) -> Result<Vec<DeletionRecord>>;
}

macro_rules! impl_admission_sql {
    ($conn:ty) => {
        #[async_trait]
        impl AdmissionSql for $conn {
            async fn select_prospective(&mut self, group: i64, on: Date) -> Result<Vec<PupilRecord>> {
                sqlx::query_as::<_, PupilRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {PUPIL_COLUMNS} FROM pupils p JOIN reg_groups g ON g.id = p.reg_group_id \
                     WHERE p.reg_group_id = $1 AND p.entry_date > $2 AND p.leaving_date IS NULL \
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

            async fn insert_entry(&mut self, school: i64, v: &EntryVersion) -> Result<()> {
                let e = &v.entry;
                let future = e.future_address.as_ref();
                let next = e.next_school.as_ref();
                sqlx::query(
                    "INSERT INTO admission_entries (school_id, pupil_id, address, last_school, boarder, \
                     registration, other_school, future_parent, future_address, future_from, next_school, \
                     next_school_address, next_school_from, change, at, by_name) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                )
                .bind(school)
                .bind(v.pupil.0)
                .bind(&e.address)
                .bind(&e.last_school)
                .bind(e.boarder)
                .bind(e.registration.code())
                .bind(e.other_school.as_deref())
                .bind(future.map(|f| f.parent.as_str()))
                .bind(future.map(|f| f.address.as_str()))
                .bind(opt_date(future.and_then(|f| f.from)))
                .bind(next.map(|n| n.name.as_str()))
                .bind(next.map(|n| n.address.as_str()))
                .bind(opt_date(next.and_then(|n| n.from)))
                .bind(v.change.id())
                .bind(jiff_sqlx::DateTime::from(v.at))
                .bind(&v.by)
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }

            async fn select_entries(&mut self, pupil: i64) -> Result<Vec<EntryVersion>> {
                rows_by!(self, EntryRow,
                    format!("SELECT {ENTRY_COLUMNS} FROM admission_entries WHERE pupil_id = $1 ORDER BY id"), pupil)
            }

            async fn select_school_entries(&mut self, school: i64) -> Result<Vec<EntryVersion>> {
                rows_by!(self, EntryRow,
                    format!("SELECT {ENTRY_COLUMNS} FROM admission_entries WHERE school_id = $1 ORDER BY id"), school)
            }

            async fn insert_deletion(&mut self, school: i64, r: &DeletionRecord) -> Result<()> {
                let d = &r.deletion;
                sqlx::query(
                    "INSERT INTO deletions (school_id, pupil_id, ground, leaving_date, other_school, \
                     evidence_date, enquiries, note, at, by_name) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(school)
                .bind(r.pupil.0)
                .bind(d.ground.id())
                .bind(jiff_sqlx::Date::from(d.leaving_date))
                .bind(d.other_school.as_deref())
                .bind(opt_date(d.evidence_date))
                .bind(d.enquiries.as_deref())
                .bind(&d.note)
                .bind(jiff_sqlx::DateTime::from(r.at))
                .bind(&r.by)
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }

            async fn select_deletions(&mut self, pupil: i64) -> Result<Vec<DeletionRecord>> {
                rows_by!(self, DeletionRow,
                    format!("SELECT {DELETION_COLUMNS} FROM deletions WHERE pupil_id = $1 ORDER BY id"), pupil)
            }

            async fn select_school_deletions(&mut self, school: i64) -> Result<Vec<DeletionRecord>> {
                rows_by!(self, DeletionRow,
                    format!("SELECT {DELETION_COLUMNS} FROM deletions WHERE school_id = $1 ORDER BY id"), school)
            }
        }
    };
}

impl_admission_sql!(sqlx::SqliteConnection);
impl_admission_sql!(sqlx::PgConnection);

fn version(
    pupil: PupilKey,
    entry: &Entry,
    change: EntryChange,
    actor: &Actor,
    at: DateTime,
) -> EntryVersion {
    EntryVersion {
        pupil,
        entry: entry.clone(),
        change,
        at,
        by: actor.signature(),
    }
}

#[async_trait]
impl Admissions for SqlStore {
    async fn admit(&self, a: &NewAdmission) -> Result<PupilKey> {
        a.check()?;
        write!(self, |c| {
            let school = a.school.0;
            let group = c.upsert_group(school, &a.pupil.reg_group).await?;
            let key = match c.select_pupil_by_upn(school, a.pupil.upn.as_str()).await? {
                Some(held) if held.pupil.leaving_date.is_none() => {
                    return Err(StoreError::Conflict(format!(
                        "{} ({}) is already on the school's roll",
                        held.pupil.name(),
                        held.pupil.upn
                    )));
                }
                Some(held) => {
                    c.update_pupil(held.key.0, Some(group), &a.pupil).await?;
                    held.key.0
                }
                None => c.insert_pupil(school, Some(group), &a.pupil).await?,
            };
            c.insert_enrolment(key, a.pupil.entry_date, None).await?;
            // Admitted again, the contacts already held stay; only new ones are added.
            let held: Vec<String> = c
                .select_contacts(key)
                .await?
                .into_iter()
                .map(|h| h.contact.name)
                .collect();
            for contact in a.contacts.iter().filter(|n| !held.contains(&n.name)) {
                let id = ContactId(c.insert_contact(key, contact).await?);
                let added = ContactRecord {
                    id,
                    pupil: PupilKey(key),
                    contact: contact.clone(),
                };
                c.insert_version(
                    school,
                    &added,
                    ContactChange::Added,
                    a.at,
                    &a.actor.signature(),
                )
                .await?;
            }
            let v = version(
                PupilKey(key),
                &a.entry,
                EntryChange::Admitted,
                &a.actor,
                a.at,
            );
            c.insert_entry(school, &v).await?;
            Ok(PupilKey(key))
        })
    }

    async fn change_entry(
        &self,
        key: PupilKey,
        entry: &Entry,
        change: EntryChange,
        actor: &Actor,
        at: DateTime,
    ) -> Result<()> {
        entry.check().map_err(StoreError::Refused)?;
        write!(self, |c| {
            let pupil = found(c.select_pupil(key.0).await?, "pupil")?;
            c.insert_entry(pupil.school.0, &version(key, entry, change, actor, at))
                .await
        })
    }

    async fn entry_history(&self, key: PupilKey) -> Result<Vec<EntryVersion>> {
        read!(self, |c| c.select_entries(key.0).await)
    }

    async fn record_deletion(&self, key: PupilKey, deletion: &DeletionRecord) -> Result<()> {
        write!(self, |c| {
            let pupil = found(c.select_pupil(key.0).await?, "pupil")?;
            if pupil.pupil.leaving_date.is_some() {
                return Err(StoreError::Conflict(format!(
                    "{} has already left the school's roll",
                    pupil.pupil.name()
                )));
            }
            c.insert_deletion(pupil.school.0, deletion).await?;
            c.update_leaving(key.0, deletion.deletion.leaving_date)
                .await
        })
    }

    async fn set_home_link(
        &self,
        key: PupilKey,
        link: &HomeLink,
        actor: &Actor,
        at: DateTime,
    ) -> Result<()> {
        link.check().map_err(StoreError::Refused)?;
        let by = actor.signature();
        write!(self, |c| {
            let pupil = found(c.select_pupil(key.0).await?, "pupil")?;
            c.insert_home_link(pupil.school.0, key.0, link, at, &by)
                .await
        })
    }

    async fn home_links(&self, school: SchoolId) -> Result<Vec<(PupilKey, HomeLink)>> {
        read!(self, |c| c.select_home_links(school.0).await)
    }

    async fn deletions(&self, key: PupilKey) -> Result<Vec<DeletionRecord>> {
        read!(self, |c| c.select_deletions(key.0).await)
    }

    async fn admission_register(&self, school: SchoolId) -> Result<Vec<RegisterLine>> {
        read!(self, |c| {
            let pupils = c.select_pupils(school.0).await?;
            let versions = c.select_school_entries(school.0).await?;
            let mut admitted: std::collections::HashMap<PupilKey, jiff::civil::DateTime> = versions
                .iter()
                .filter(|v| v.change == EntryChange::Admitted)
                .map(|v| (v.pupil, v.at))
                .collect();
            let mut entries: std::collections::HashMap<PupilKey, EntryVersion> =
                versions.into_iter().map(|v| (v.pupil, v)).collect();
            let mut deletions: std::collections::HashMap<PupilKey, DeletionRecord> = c
                .select_school_deletions(school.0)
                .await?
                .into_iter()
                .map(|d| (d.pupil, d))
                .collect();
            Ok::<_, StoreError>(
                pupils
                    .into_iter()
                    .map(|record| RegisterLine {
                        entry: entries.remove(&record.key),
                        admitted: admitted.remove(&record.key),
                        // A deletion of an earlier spell on roll is history, not the line's.
                        deletion: deletions
                            .remove(&record.key)
                            .filter(|_| record.pupil.leaving_date.is_some()),
                        record,
                    })
                    .collect(),
            )
        })
    }
}
