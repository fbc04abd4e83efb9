//! The records storage deals in.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
pub use rollcall_core::MarkSource;
use rollcall_core::{Code, LaEstab, Pupil, Session, SessionKey, Urn};

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id!(
    /// A trust (or local authority) that sees several schools.
    TrustId
);
id!(
    /// A school.
    SchoolId
);
id!(
    /// A member of staff.
    UserId
);
id!(
    /// A registration group.
    GroupId
);
id!(
    /// A pupil on a school's admission register.
    PupilKey
);
id!(
    /// A pupil's contact.
    ContactId
);
id!(
    /// A parent's account on the parent portal.
    ParentId
);

/// A school to add.
#[derive(Debug, Clone)]
pub struct NewSchool {
    /// The trust it belongs to, if any.
    pub trust: Option<TrustId>,
    /// Its name.
    pub name: String,
    /// Its URN.
    pub urn: Option<Urn>,
    /// Its LA/establishment number.
    pub la_estab: Option<LaEstab>,
    /// Its policy, as TOML.
    pub policy: String,
}

/// A school as stored.
#[derive(Debug, Clone)]
pub struct SchoolRecord {
    /// The school.
    pub id: SchoolId,
    /// Its trust, if any.
    pub trust: Option<TrustId>,
    /// Its name.
    pub name: String,
    /// Its URN.
    pub urn: Option<Urn>,
    /// Its LA/establishment number.
    pub la_estab: Option<LaEstab>,
    /// Its policy, as TOML.
    pub policy: String,
}

/// A member of staff to add.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The name they sign in with; unique.
    pub username: String,
    /// Their full name.
    pub name: String,
    /// Their position, as recorded with every amendment they make.
    pub position: String,
    /// Their password's hash (a PHC string); `None` until a password is set.
    pub password_hash: Option<String>,
}

/// A member of staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    /// The user.
    pub id: UserId,
    /// Their username.
    pub username: String,
    /// Their full name.
    pub name: String,
    /// Their position.
    pub position: String,
    /// Their password's hash.
    pub password_hash: Option<String>,
    /// Whether their account is disabled: no sign-in, no session, no token works.
    pub disabled: bool,
    /// Whether their password is a temporary one, to be replaced at sign-in.
    pub must_change_password: bool,
}

impl StaffUser {
    /// The member of staff as the author of a change.
    pub fn actor(&self) -> Actor {
        Actor {
            user: Some(self.id),
            name: self.name.clone(),
            position: self.position.clone(),
        }
    }
}

/// A registration group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRecord {
    /// The group.
    pub id: GroupId,
    /// Its school.
    pub school: SchoolId,
    /// Its name, such as `5A` or `7RB`.
    pub name: String,
}

/// A pupil as stored: the record, and where they belong.
#[derive(Debug, Clone)]
pub struct PupilRecord {
    /// The pupil.
    pub key: PupilKey,
    /// Their school.
    pub school: SchoolId,
    /// Their registration group.
    pub group: Option<GroupId>,
    /// Their details, with the current values of their characteristics.
    pub pupil: Pupil,
}

/// A characteristic whose changes are kept with their dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Characteristic {
    /// Free school meals eligibility (`true`/`false`).
    Fsm,
    /// English as an additional language (`true`/`false`).
    Eal,
    /// SEN provision (`N`, `K` or `E`).
    Sen,
    /// The pupil premium (`true`/`false`).
    PupilPremium,
}

impl Characteristic {
    /// The characteristic's name in data.
    pub fn id(self) -> &'static str {
        match self {
            Characteristic::Fsm => "fsm",
            Characteristic::Eal => "eal",
            Characteristic::Sen => "sen",
            Characteristic::PupilPremium => "pupil_premium",
        }
    }

    /// Reads a characteristic's name.
    pub fn parse(text: &str) -> Option<Characteristic> {
        [
            Characteristic::Fsm,
            Characteristic::Eal,
            Characteristic::Sen,
            Characteristic::PupilPremium,
        ]
        .into_iter()
        .find(|c| c.id() == text)
    }
}

/// A change of a characteristic from a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharacteristicChange {
    /// Which characteristic.
    pub characteristic: Characteristic,
    /// The new value (`true`/`false`, or `N`/`K`/`E` for SEN).
    pub value: String,
    /// From when; `None` when known from before the records begin.
    pub from: Option<Date>,
}

/// A spell on a school's roll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// The starting day.
    pub entry_date: Option<Date>,
    /// The last day on roll.
    pub leaving_date: Option<Date>,
}

/// A pupil's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PupilHistory {
    /// Spells on roll.
    pub enrolments: Vec<Enrolment>,
    /// Changes of characteristics.
    pub characteristics: Vec<CharacteristicChange>,
}

pub use rollcall_core::contact::Contact;

/// A contact as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRecord {
    /// The contact.
    pub id: ContactId,
    /// The pupil.
    pub pupil: PupilKey,
    /// Their details.
    pub contact: Contact,
}

/// Who made a change: the name and position are kept as they were at the time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The member of staff, when it was one.
    pub user: Option<UserId>,
    /// Their name.
    pub name: String,
    /// Their position.
    pub position: String,
}

impl Actor {
    /// "Name, Position", as entries they make are signed.
    pub fn signature(&self) -> String {
        format!("{}, {}", self.name, self.position)
    }
}

/// A mark as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMark {
    /// The session.
    pub key: SessionKey,
    /// The code.
    pub code: Code,
    /// Minutes late, for `L` and `U`.
    pub minutes_late: Option<u16>,
    /// A note with the mark.
    pub comment: Option<String>,
    /// Where it came from.
    pub source: MarkSource,
    /// Who last recorded it, when known.
    pub recorded_by: Option<String>,
    /// When it was last recorded.
    pub recorded_at: Timestamp,
    /// How many times the session has been written: its entries in the ledger, the first
    /// recording being 1. A write that names the version it saw is refused if it moved on.
    pub version: u32,
}

impl StoredMark {
    /// The mark as the register's change rules see it.
    pub fn held(&self) -> rollcall_core::Held {
        rollcall_core::Held {
            code: self.code,
            minutes_late: self.minutes_late,
            planned: self.source == MarkSource::Planned,
        }
    }
}

/// Who took a register and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionRecord {
    /// The group.
    pub group: GroupId,
    /// The date.
    pub date: Date,
    /// The session.
    pub session: Session,
    /// Who took it.
    pub by: String,
    /// When.
    pub at: Timestamp,
    /// Whether it re-took a register already taken.
    pub amended: bool,
}

/// One pupil's line of a register.
#[derive(Debug, Clone)]
pub struct SheetRow {
    /// The pupil.
    pub pupil: PupilRecord,
    /// The mark held for the session, if any.
    pub mark: Option<StoredMark>,
}

/// A group's register for one session.
#[derive(Debug, Clone)]
pub struct RegisterSheet {
    /// The group.
    pub group: GroupRecord,
    /// The session.
    pub key: SessionKey,
    /// The latest time it was taken, if it has been.
    pub taken: Option<SubmissionRecord>,
    /// The pupils on roll, by surname.
    pub rows: Vec<SheetRow>,
    /// Prospective pupils: admitted to the group with a later starting day, so marked `Z`
    /// and not registered yet.
    pub prospective: Vec<PupilRecord>,
}

/// A mark entered on a register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnteredMark {
    /// The pupil.
    pub pupil: PupilKey,
    /// The code.
    pub code: Code,
    /// Minutes late, for `L` and `U`.
    pub minutes_late: Option<u16>,
    /// A note.
    pub comment: Option<String>,
    /// The version of the mark the person saw (0: no mark); when given and the mark has moved
    /// on to something else, the register is refused as stale.
    pub seen: Option<u32>,
}

/// A register as taken.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The group.
    pub group: GroupId,
    /// The session.
    pub key: SessionKey,
    /// A mark for every pupil on roll.
    pub marks: Vec<EnteredMark>,
    /// Why marks already recorded are changed; needed when any are.
    pub reason: Option<String>,
    /// What the person taking it may change of marks already recorded.
    pub authority: rollcall_core::Authority,
    /// Who is taking it.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
    /// The sender's key for this submission: sent again with the same key (after a lost
    /// answer), it is recognised and not taken twice.
    pub idempotency_key: Option<String>,
}

/// What taking a register did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubmitOutcome {
    /// Sessions marked for the first time.
    pub inserted: u64,
    /// Marks entered in advance, confirmed.
    pub confirmed: u64,
    /// Marks already as entered.
    pub unchanged: u64,
    /// Marks changed: each is in the ledger.
    pub amended: u64,
    /// The submission had been taken before under the same key; nothing was written again.
    pub replayed: bool,
}

/// A change to one mark.
#[derive(Debug, Clone)]
pub struct Amendment {
    /// The pupil.
    pub pupil: PupilKey,
    /// The session.
    pub key: SessionKey,
    /// The new code.
    pub code: Code,
    /// Minutes late, for `L` and `U`.
    pub minutes_late: Option<u16>,
    /// A note with the mark.
    pub comment: Option<String>,
    /// Why.
    pub reason: String,
    /// The version of the mark the person saw (0: no mark); when given and the mark has moved
    /// on, the change is refused as stale.
    pub seen: Option<u32>,
    /// Who.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
}

/// One code entered for several pupils and sessions: a trip, a closure.
#[derive(Debug, Clone)]
pub struct BulkChange {
    /// The school.
    pub school: SchoolId,
    /// The pupils.
    pub pupils: Vec<PupilKey>,
    /// The sessions.
    pub sessions: Vec<SessionKey>,
    /// The code.
    pub code: Code,
    /// Why.
    pub reason: String,
    /// Who.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
}

/// What a bulk change did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkOutcome {
    /// Sessions written.
    pub written: u64,
    /// Sessions left as they were, with the mark they keep.
    pub skipped: Vec<(PupilKey, SessionKey, Code)>,
}

/// A mark entered in advance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedMark {
    /// The pupil.
    pub pupil: PupilKey,
    /// The session.
    pub key: SessionKey,
    /// The code.
    pub code: Code,
    /// Why, in a few words ("Year 5 trip to the Science Museum").
    pub comment: Option<String>,
}

/// A mark's code and minutes late, as the ledger keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The code.
    pub code: Code,
    /// Minutes late.
    pub minutes_late: Option<u16>,
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.minutes_late {
            Some(m) => write!(f, "{} ({m} min)", self.code),
            None => write!(f, "{}", self.code),
        }
    }
}

/// One change to a mark made with a reason (an amendment, or a bulk code), as the ledger keeps
/// it forever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The pupil.
    pub pupil: PupilKey,
    /// The session.
    pub key: SessionKey,
    /// The mark's version this entry made: 1 for a first recording.
    pub version: u32,
    /// The original entry; `None` when the change filled an empty session.
    pub original: Option<Entry>,
    /// The new entry.
    pub new: Entry,
    /// How it was made.
    pub source: MarkSource,
    /// Why.
    pub reason: String,
    /// When.
    pub at: Timestamp,
    /// Who: their name, as it was.
    pub by_name: String,
    /// Who: their position, as it was.
    pub by_position: String,
    /// The entry's hash (hex), chained to the session's entry before it.
    pub hash: String,
}

/// What replaying a school's ledger found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LedgerCheck {
    /// Entries read, first recordings and amendments.
    pub entries: u64,
    /// Marks compared with the replay.
    pub marks: u64,
    /// Every session whose entries or mark do not agree.
    pub problems: Vec<LedgerProblem>,
}

impl LedgerCheck {
    /// Whether every entry matches its hash and every mark is the last entry of its session.
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// A session whose ledger does not explain its mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerProblem {
    /// The pupil.
    pub pupil: PupilKey,
    /// Their UPN, to find them by.
    pub upn: String,
    /// The session.
    pub key: SessionKey,
    /// What is wrong, in words.
    pub problem: String,
}

/// The school an import goes into.
#[derive(Debug, Clone)]
pub enum ImportTarget {
    /// A school already held; its policy is replaced when one is given.
    School {
        /// The school.
        id: SchoolId,
        /// Its new policy, as TOML.
        policy: Option<String>,
    },
    /// A school to add, with its policy, in the import's own transaction.
    New(NewSchool),
}

/// What comes with the pupils of an import, each with their pupil's UPN: contacts (a contact of
/// the same name is updated) and attendance at earlier schools (a year already held from the
/// same school is replaced); and the school's local time of the import, which versions record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportDetails {
    /// Each contact with their pupil's UPN.
    pub contacts: Vec<(rollcall_core::Upn, Contact)>,
    /// Each year at an earlier school with the pupil's UPN.
    pub history: Vec<(rollcall_core::Upn, rollcall_core::history::YearAttendance)>,
    /// When, in the school's local time.
    pub at: jiff::civil::DateTime,
}

impl From<SchoolId> for ImportTarget {
    fn from(id: SchoolId) -> ImportTarget {
        ImportTarget::School { id, policy: None }
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    /// The school imported into.
    pub school: SchoolId,
    /// Pupils added.
    pub pupils_added: u64,
    /// Pupils already on the roll, updated.
    pub pupils_updated: u64,
    /// Marks added.
    pub marks_added: u64,
    /// Marks already held, identical.
    pub marks_unchanged: u64,
}

mod casework;
mod families;

pub use casework::*;
pub use families::*;
