//! The admission register as stored: each pupil's entry, one version per change (none is ever
//! changed or removed), and deletions with their ground. Checking a deletion reads the register,
//! so [`delete`] does both: the rule is the core's, the facts are the store's.

use async_trait::async_trait;
use jiff::civil::DateTime;
use rollcall_core::admission::deletion::{self, Deletion, Facts};
use rollcall_core::admission::home::HomeLink;
use rollcall_core::admission::{Entry, Parent, check_parents};
use rollcall_core::{Calendar, Pupil};

use crate::{Actor, Contact, PupilKey, PupilRecord, Result, SchoolId, Store, StoreError};

/// Why an entry's version was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryChange {
    /// The pupil was admitted (or admitted again after leaving).
    Admitted,
    /// The office corrected or updated it.
    Corrected,
    /// A parent notified a new address or school (regulation 8(3)): the leaving form.
    Notified,
}

impl EntryChange {
    /// Every kind.
    pub const ALL: [EntryChange; 3] = [
        EntryChange::Admitted,
        EntryChange::Corrected,
        EntryChange::Notified,
    ];

    /// Its name in data.
    pub fn id(self) -> &'static str {
        match self {
            EntryChange::Admitted => "admitted",
            EntryChange::Corrected => "corrected",
            EntryChange::Notified => "notified",
        }
    }

    /// Reads its name.
    pub fn parse(id: &str) -> Option<EntryChange> {
        EntryChange::ALL.into_iter().find(|c| c.id() == id)
    }

    /// How the history reads it.
    pub fn title(self) -> &'static str {
        match self {
            EntryChange::Admitted => "Admitted",
            EntryChange::Corrected => "Corrected",
            EntryChange::Notified => "New address or school notified",
        }
    }
}

/// One version of a pupil's entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryVersion {
    /// The pupil.
    pub pupil: PupilKey,
    /// What the entry said.
    pub entry: Entry,
    /// Why it was written.
    pub change: EntryChange,
    /// When.
    pub at: DateTime,
    /// Who: "name, position".
    pub by: String,
}

/// A deletion as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionRecord {
    /// The pupil.
    pub pupil: PupilKey,
    /// The deletion.
    pub deletion: Deletion,
    /// When it was recorded.
    pub at: DateTime,
    /// Who decided: "name, position".
    pub by: String,
}

/// A pupil's line in the admission register: the pupil, their entry as it stands, and their
/// deletion if they have left.
#[derive(Debug, Clone)]
pub struct RegisterLine {
    /// The pupil.
    pub record: PupilRecord,
    /// The latest version of their entry; `None` for a pupil imported from another system
    /// whose entry has not been completed here.
    pub entry: Option<EntryVersion>,
    /// When their latest admission was recorded here; `None` for a pupil entered elsewhere.
    pub admitted: Option<DateTime>,
    /// Their latest deletion.
    pub deletion: Option<DeletionRecord>,
}

/// A pupil's admission: the pupil record and the entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAdmission {
    /// The school.
    pub school: SchoolId,
    /// The pupil, with their starting day as `entry_date`.
    pub pupil: Pupil,
    /// The entry.
    pub entry: Entry,
    /// Their parents and other contacts.
    pub contacts: Vec<Contact>,
    /// Who admitted them.
    pub actor: Actor,
    /// When.
    pub at: DateTime,
}

/// The admission register.
#[async_trait]
pub trait Admissions: Send + Sync {
    /// Enters a pupil in the register, or enters again one who left. Refused while the pupil
    /// is on roll.
    async fn admit(&self, admission: &NewAdmission) -> Result<PupilKey>;

    /// Writes a new version of a pupil's entry.
    async fn change_entry(
        &self,
        key: PupilKey,
        entry: &Entry,
        change: EntryChange,
        actor: &Actor,
        at: DateTime,
    ) -> Result<()>;

    /// Every version of a pupil's entry, oldest first.
    async fn entry_history(&self, key: PupilKey) -> Result<Vec<EntryVersion>>;

    /// Deletes a pupil's name (their last day on roll is the deletion's leaving date); their
    /// record, marks and ledger stay. Use [`delete`], which checks the ground first.
    async fn record_deletion(&self, key: PupilKey, deletion: &DeletionRecord) -> Result<()>;

    /// Records a learner's home school and its lead contact, checked first; earlier links are
    /// kept.
    async fn set_home_link(
        &self,
        key: PupilKey,
        link: &HomeLink,
        actor: &Actor,
        at: DateTime,
    ) -> Result<()>;

    /// The home-school link in force for each learner of a school who has one.
    async fn home_links(&self, school: SchoolId) -> Result<Vec<(PupilKey, HomeLink)>>;

    /// A pupil's deletions, oldest first.
    async fn deletions(&self, key: PupilKey) -> Result<Vec<DeletionRecord>>;

    /// Every pupil the school has entered, on roll or not, in no particular order.
    async fn admission_register(&self, school: SchoolId) -> Result<Vec<RegisterLine>>;
}

impl NewAdmission {
    /// Checks the entry and the parents (regulation 8(2)); every problem named.
    pub fn check(&self) -> Result<()> {
        let mut errors = self.entry.check().err().unwrap_or_default();
        let parents: Vec<Parent> = self
            .contacts
            .iter()
            .map(|c| Parent {
                lives_with_pupil: c.lives_with_pupil,
                has_phone: c.phones.iter().any(|p| !p.trim().is_empty()),
            })
            .collect();
        if let Err(e) = check_parents(&parents) {
            errors.push(e);
        }
        match errors.is_empty() {
            true => Ok(()),
            false => Err(StoreError::Refused(errors)),
        }
    }
}

/// A pupil's entry as it stands.
pub async fn current_entry(store: &dyn Store, key: PupilKey) -> Result<Option<EntryVersion>> {
    Ok(store.entry_history(key).await?.pop())
}

/// Checks a deletion against its ground and what the register shows (regulation 9), then
/// records it. A refusal names each field; nothing is written.
pub async fn delete(
    store: &dyn Store,
    key: PupilKey,
    deletion: &Deletion,
    calendar: &Calendar,
    actor: &Actor,
    now: DateTime,
) -> Result<()> {
    let record = store.pupil(key).await?;
    let entry = current_entry(store, key).await?;
    let register = store.load_register(record.school).await?;
    let unexplained_sessions = register
        .find(&record.pupil.upn)
        .map(|id| deletion::unexplained_run(register.row(id), calendar, deletion.leaving_date))
        .unwrap_or(0);
    let facts = Facts {
        pupil: &record.pupil,
        entry: entry.as_ref().map(|v| &v.entry),
        unexplained_sessions,
        today: now.date(),
    };
    deletion::check(deletion, &facts).map_err(StoreError::Refused)?;
    let stored = DeletionRecord {
        pupil: key,
        deletion: deletion.clone(),
        at: now,
        by: actor.signature(),
    };
    store.record_deletion(key, &stored).await
}
