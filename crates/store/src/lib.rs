//! The storage behind rollcall: what is kept, and the traits through which the server and the
//! command line keep it. Implementations live in other crates (`rollcall-store-sql` for SQLite
//! and PostgreSQL), so nothing here knows a database.
//!
//! Every record belongs to a school. Writes that change marks are transactional and append to
//! the school's amendment ledger in the same transaction.

mod accounts;
mod admissions;
pub mod analytics;
mod casebook;
mod contacts;
mod meetings;
mod model;
mod qa;
mod records;
mod returns;
pub mod transfer;
mod trusts;

use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Date;
use rollcall_core::{Register, Role, Session};
use thiserror::Error;

pub use accounts::{Accounts, ApiTokenRecord, LoginFailures, NewApiToken, SchoolStaff, TokenGrant};
pub use admissions::{
    Admissions, DeletionRecord, EntryChange, EntryVersion, NewAdmission, RegisterLine,
    current_entry, delete,
};
pub use casebook::{Casebook, Due, one_pupil_register};
pub use contacts::{
    ContactChange, ContactVersion, Contacts, DetailsDecision, DetailsRequest, DetailsStatus,
    NewDetails,
};
pub use meetings::{ActionRecord, MeetingRecord, Meetings, NewAction, NewMeeting};
pub use model::*;
pub use qa::{QaRecord, QaReports, QaText};
pub use records::{
    AccessOf, AccessRecord, Erasure, ErasureRecord, NewAccess, OldSession, Records, erasures_of,
};
pub use returns::{DailyData, NewReturn, ReturnBook, ReturnRecord, ReturnsMade, Sent};
pub use trusts::{TargetsRecord, Trusts};

/// Why a storage operation failed.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The record asked for does not exist (or is not the caller's school's).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The change contradicts what is stored.
    #[error("{0}")]
    Conflict(String),
    /// Marks the change was based on have changed since they were read: the pupils whose
    /// marks differ.
    #[error("{} of these marks changed since they were read", pupils.len())]
    Stale {
        /// The pupils whose marks moved on.
        pupils: Vec<PupilKey>,
    },
    /// Another change to the same records was being saved at the same moment; trying again
    /// will succeed.
    #[error("another change to the same marks was being saved at the same moment; try again")]
    Contended,
    /// The person making the change may not make it: why, and who may.
    #[error("{0}")]
    Forbidden(String),
    /// The change is not allowed as asked: say what to do instead.
    #[error("{0}")]
    Invalid(String),
    /// A form's fields were refused, each named.
    #[error("{}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    Refused(Vec<rollcall_core::admission::FieldError>),
    /// The database cannot be reached now (down, restarting, out of connections); trying
    /// again later may succeed.
    #[error("the database cannot be reached: {0}")]
    Unavailable(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The result of a storage operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Trusts, schools, staff, registration groups, pupils and contacts.
#[async_trait]
pub trait Directory: Send + Sync {
    /// Whether the database answers now.
    async fn ready(&self) -> Result<()>;
    /// Adds a trust.
    async fn create_trust(&self, name: &str) -> Result<TrustId>;
    /// Adds a school.
    async fn create_school(&self, school: &NewSchool) -> Result<SchoolId>;
    /// Every school.
    async fn schools(&self) -> Result<Vec<SchoolRecord>>;
    /// A school.
    async fn school(&self, id: SchoolId) -> Result<SchoolRecord>;
    /// Replaces a school's policy (TOML, validated by the caller).
    async fn set_policy(&self, id: SchoolId, policy: &str) -> Result<()>;

    /// Adds a member of staff; usernames are unique.
    async fn create_user(&self, user: &NewUser) -> Result<UserId>;
    /// A member of staff by username.
    async fn user_by_username(&self, username: &str) -> Result<Option<StaffUser>>;
    /// A member of staff.
    async fn user(&self, id: UserId) -> Result<StaffUser>;
    /// Gives a member of staff a role at a school.
    async fn grant_role(&self, user: UserId, school: SchoolId, role: Role) -> Result<()>;
    /// A member of staff's roles, by school.
    async fn roles(&self, user: UserId) -> Result<Vec<(SchoolId, Role)>>;

    /// The registration group of a school with this name, created if new.
    async fn ensure_group(&self, school: SchoolId, name: &str) -> Result<GroupId>;
    /// A school's registration groups, by name.
    async fn groups(&self, school: SchoolId) -> Result<Vec<GroupRecord>>;
    /// A registration group.
    async fn group(&self, id: GroupId) -> Result<GroupRecord>;
    /// Makes a member of staff one of a group's staff.
    async fn assign_staff(&self, group: GroupId, user: UserId) -> Result<()>;
    /// The groups a member of staff looks after at a school.
    async fn groups_of_staff(&self, user: UserId, school: SchoolId) -> Result<Vec<GroupRecord>>;

    /// Adds a pupil to a school, in the group their record names (created if new).
    async fn add_pupil(&self, school: SchoolId, pupil: &rollcall_core::Pupil) -> Result<PupilKey>;
    /// A pupil.
    async fn pupil(&self, key: PupilKey) -> Result<PupilRecord>;
    /// A school's pupils, in the order they were added.
    async fn pupils(&self, school: SchoolId) -> Result<Vec<PupilRecord>>;
    /// The pupils of a group on roll on a date, by surname.
    async fn pupils_of_group(&self, group: GroupId, on: Date) -> Result<Vec<PupilRecord>>;
    /// Records a change of FSM, EAL or SEN status from a date; the history is kept.
    async fn change_characteristic(
        &self,
        key: PupilKey,
        change: &CharacteristicChange,
    ) -> Result<()>;
    /// Records the pupil leaving on a date; the spell on roll is kept.
    async fn record_leaving(&self, key: PupilKey, leaving: Date) -> Result<()>;
    /// A pupil's spells on roll and changes of characteristics, oldest first.
    async fn pupil_history(&self, key: PupilKey) -> Result<PupilHistory>;
    /// Adds a contact for a pupil.
    async fn add_contact(&self, key: PupilKey, contact: &Contact) -> Result<ContactId>;
    /// A pupil's contacts, in priority order.
    async fn contacts(&self, key: PupilKey) -> Result<Vec<ContactRecord>>;
}

/// Marks, register submissions and the amendment ledger.
#[async_trait]
pub trait Registers: Send + Sync {
    /// A group's register for one session: the pupils on roll and the marks they hold.
    async fn register(&self, group: GroupId, date: Date, session: Session)
    -> Result<RegisterSheet>;
    /// Takes (or re-takes) a register. New marks are first recordings; different marks for
    /// sessions already marked are amendments, which need a reason and go in the ledger.
    async fn submit_register(&self, submission: &Submission) -> Result<SubmitOutcome>;
    /// Changes marks, each with its reason, into the ledger: all of them or none.
    async fn amend_marks(&self, amendments: &[Amendment]) -> Result<()>;
    /// Changes one mark, with a reason, into the ledger.
    async fn amend_mark(&self, amendment: &Amendment) -> Result<()> {
        self.amend_marks(std::slice::from_ref(amendment)).await
    }
    /// Enters one code for many pupils and sessions, skipping marks a bulk change must not
    /// overwrite; every write goes in the ledger.
    async fn bulk_code(&self, change: &BulkChange) -> Result<BulkOutcome>;
    /// Enters marks in advance (leave, trips, part-time timetables) for sessions not yet
    /// marked.
    async fn plan_marks(&self, plans: &[PlannedMark], actor: &Actor, at: Timestamp) -> Result<u64>;
    /// A pupil's marks between two dates.
    async fn marks(&self, key: PupilKey, first: Date, last: Date) -> Result<Vec<StoredMark>>;
    /// Every mark of a school on a date.
    async fn day_marks(&self, school: SchoolId, date: Date) -> Result<Vec<(PupilKey, StoredMark)>>;
    /// The registers of a school taken on a date.
    async fn submissions(&self, school: SchoolId, date: Date) -> Result<Vec<SubmissionRecord>>;
    /// A pupil's amendments (the ledger's entries made with a reason), oldest first.
    async fn ledger(&self, key: PupilKey) -> Result<Vec<LedgerEntry>>;
    /// Replays a school's ledger: every entry's hash, every session's chain, and every mark
    /// against the last entry of its session.
    async fn verify_ledger(&self, school: SchoolId) -> Result<LedgerCheck>;
    /// Loads a school's pupils, in the order they were added, and marks into a register.
    async fn load_register(&self, school: SchoolId) -> Result<Register> {
        Ok(self.load_register_keyed(school).await?.0)
    }
    /// A school's register, with each of its pupils' stored key in the roll's order.
    async fn load_register_keyed(&self, school: SchoolId) -> Result<(Register, Vec<PupilKey>)>;
    /// Imports pupils and their marks into a school in one transaction, with the school itself
    /// (or its new policy) when the target says so: pupils are matched by UPN (new ones added,
    /// known ones updated), with their contacts; a session already holding a different mark
    /// fails the whole import,
    /// and a failure anywhere leaves nothing behind. `progress` is told how many marks are in.
    async fn import(
        &self,
        target: &ImportTarget,
        register: &Register,
        contacts: &ImportDetails,
        actor: &Actor,
        at: Timestamp,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<ImportSummary>;
    /// A pupil's attendance at earlier schools, as their transfer files sent it, by year.
    async fn attendance_history(
        &self,
        key: PupilKey,
    ) -> Result<Vec<rollcall_core::history::YearAttendance>>;
}

/// Each pupil's chronology and circumstances, and the jobs the scheduler runs with the messages
/// they queue.
#[async_trait]
pub trait Casework: Send + Sync {
    /// Adds an entry to a pupil's chronology; entries are never changed or removed.
    async fn add_case_entry(&self, entry: &NewCaseEntry) -> Result<i64>;
    /// A pupil's chronology, oldest first.
    async fn chronology(&self, key: PupilKey) -> Result<Vec<CaseRecord>>;
    /// Every chronology entry of a school's pupils, oldest first.
    async fn school_chronology(&self, school: SchoolId) -> Result<Vec<CaseRecord>>;
    /// Records a circumstance from a date.
    async fn add_flag(&self, flag: &NewFlag) -> Result<i64>;
    /// Records that a circumstance ended on a date (its last day).
    async fn end_flag(&self, key: PupilKey, id: i64, until: Date, actor: &Actor) -> Result<()>;
    /// A pupil's circumstances, current and past.
    async fn flags(&self, key: PupilKey) -> Result<Vec<FlagRecord>>;
    /// Every circumstance recorded for a school's pupils.
    async fn school_flags(&self, school: SchoolId) -> Result<Vec<FlagRecord>>;
    /// Runs a scheduled job unless it has run: records it with its messages and entries in
    /// one transaction. `false` when another run (this process or another) got there first.
    async fn run_job(&self, job: &ScheduledJob) -> Result<bool>;
    /// A school's jobs for a date's sessions, oldest first.
    async fn jobs(&self, school: SchoolId, date: Date) -> Result<Vec<JobRecord>>;
    /// A school's queued and sent messages, oldest first.
    async fn outbox(&self, school: SchoolId) -> Result<Vec<MessageRecord>>;
}

/// Parents on the parent portal: their accounts, sign-in links and sessions, and what they
/// report and ask for.
#[async_trait]
pub trait Families: Send + Sync {
    /// The account with this email address, created with `name` if there is none.
    async fn ensure_parent(&self, email: &str, name: &str) -> Result<ParentId>;
    /// An account.
    async fn parent(&self, id: ParentId) -> Result<ParentAccount>;
    /// The account with this email address.
    async fn parent_by_email(&self, email: &str) -> Result<Option<ParentAccount>>;
    /// Sets an account's password.
    async fn set_parent_password(&self, id: ParentId, password_hash: &str) -> Result<()>;
    /// Makes an account the given contact of a pupil.
    async fn link_parent(&self, parent: ParentId, contact: ContactId) -> Result<()>;
    /// The contacts an account is, each with its pupil.
    async fn parent_contacts(&self, parent: ParentId) -> Result<Vec<ContactRecord>>;
    /// Issues a one-time link, stored as its hash.
    async fn create_parent_link(
        &self,
        token_hash: &str,
        parent: ParentId,
        purpose: LinkPurpose,
        expires: Timestamp,
    ) -> Result<()>;
    /// Uses a one-time link: the account, if the link is unused, unexpired and for `purpose`.
    /// It cannot be used again.
    async fn use_parent_link(
        &self,
        token_hash: &str,
        purpose: LinkPurpose,
        now: Timestamp,
    ) -> Result<Option<ParentId>>;
    /// Starts a parent's session.
    async fn create_parent_session(
        &self,
        token_hash: &str,
        parent: ParentId,
        expires: Timestamp,
    ) -> Result<()>;
    /// The account of a session that has not expired at `now`.
    async fn parent_session(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<ParentAccount>>;
    /// Ends a parent's session.
    async fn delete_parent_session(&self, token_hash: &str) -> Result<()>;

    /// Records a report of absence, with its chronology entry.
    async fn add_absence_report(
        &self,
        report: &NewAbsenceReport,
        entry: &NewCaseEntry,
    ) -> Result<i64>;
    /// The parent's answer to a request for more: back to the school, with a chronology entry.
    async fn answer_absence_report(
        &self,
        pupil: PupilKey,
        id: i64,
        answer: &str,
        entry: &NewCaseEntry,
    ) -> Result<()>;
    /// One of a school's reports of absence.
    async fn absence_report(&self, school: SchoolId, id: i64) -> Result<AbsenceReportRecord>;
    /// A school's reports of absence, newest first.
    async fn absence_reports(&self, school: SchoolId) -> Result<Vec<AbsenceReportRecord>>;
    /// A pupil's reports of absence, newest first.
    async fn pupil_absence_reports(&self, pupil: PupilKey) -> Result<Vec<AbsenceReportRecord>>;
    /// Decides a report still open: its status, marks, chronology entry and message in one
    /// transaction. Refused if it has been decided already.
    async fn decide_absence_report(&self, decision: &Decision) -> Result<BulkOutcome>;

    /// Records a leave request, with its chronology entry.
    async fn add_leave_request(
        &self,
        request: &NewLeaveRequest,
        entry: &NewCaseEntry,
    ) -> Result<i64>;
    /// One of a school's leave requests.
    async fn leave_request(&self, school: SchoolId, id: i64) -> Result<LeaveRecord>;
    /// A school's leave requests, newest first.
    async fn leave_requests(&self, school: SchoolId) -> Result<Vec<LeaveRecord>>;
    /// A pupil's leave requests, newest first.
    async fn pupil_leave_requests(&self, pupil: PupilKey) -> Result<Vec<LeaveRecord>>;
    /// A leave request's supporting document.
    async fn leave_document(&self, pupil: PupilKey, id: i64) -> Result<Document>;
    /// Decides a request still open, as for reports.
    async fn decide_leave(&self, decision: &Decision) -> Result<BulkOutcome>;
}

/// Each pupil's case file (meetings, plans, part-time timetables, referrals, legal
/// interventions) and the letters sent. Every change is also a chronology entry, written in the
/// same transaction.
#[async_trait]
pub trait CaseFiles: Send + Sync {
    /// Files a record with its entry and the marks it enters.
    async fn file_record(&self, record: &NewFileRecord) -> Result<i64>;
    /// Replaces a record (a review held, a plan closed, a notice paid), with the entry that
    /// says what changed.
    async fn update_record(
        &self,
        school: SchoolId,
        id: i64,
        record: &rollcall_core::casefile::Record,
        entry: &NewCaseEntry,
    ) -> Result<()>;
    /// One record of a school.
    async fn filed_record(&self, school: SchoolId, id: i64) -> Result<FiledRecord>;
    /// A pupil's case file, oldest first.
    async fn case_file(
        &self,
        key: PupilKey,
    ) -> Result<Vec<rollcall_core::casefile::CaseFileRecord>>;
    /// Every record of a school's pupils.
    async fn school_case_files(&self, school: SchoolId) -> Result<Vec<FiledRecord>>;
    /// Keeps letters sent, each with its entry, all or none.
    async fn add_letters(&self, letters: &[NewLetter]) -> Result<Vec<i64>>;
    /// A pupil's letters, oldest first.
    async fn letters(&self, key: PupilKey) -> Result<Vec<LetterRecord>>;
    /// One letter of a school.
    async fn letter(&self, school: SchoolId, id: i64) -> Result<LetterRecord>;
    /// Every letter of a school's pupils, oldest first.
    async fn school_letters(&self, school: SchoolId) -> Result<Vec<LetterRecord>>;
    /// Records that a letter was sent (or takes a recording back), with its entry.
    async fn letter_sent(&self, sent: &NewLetterSent) -> Result<()>;
}

/// The outbox: messages queued, sent with retries, and the templates schools edit.
#[async_trait]
pub trait Messages: Send + Sync {
    /// Queues messages, each with its chronology entry, in one transaction.
    async fn queue_messages(
        &self,
        school: SchoolId,
        messages: &[(NewMessage, NewCaseEntry)],
        at: Timestamp,
    ) -> Result<()>;
    /// Takes up to `limit` queued messages on `channels` due at `now` for sending, leased until
    /// `until` so that no other process sends them meanwhile.
    async fn claim_messages(
        &self,
        now: Timestamp,
        until: Timestamp,
        limit: u32,
        channels: &[Channel],
    ) -> Result<Vec<(SchoolId, MessageRecord)>>;
    /// Records what happened when a message was tried.
    async fn record_delivery(&self, id: i64, delivery: &Delivery) -> Result<()>;
    /// A pupil's messages, oldest first.
    async fn pupil_messages(&self, pupil: PupilKey) -> Result<Vec<MessageRecord>>;
    /// A school's edited templates.
    async fn templates(&self, school: SchoolId) -> Result<Vec<TemplateRecord>>;
    /// Saves a school's version of a template.
    async fn set_template(&self, school: SchoolId, template: &TemplateRecord) -> Result<()>;
}

/// Everything rollcall stores.
pub trait Store:
    Directory
    + Registers
    + Accounts
    + Casework
    + CaseFiles
    + Families
    + Messages
    + Records
    + Admissions
    + Contacts
    + ReturnsMade
    + Meetings
    + Trusts
    + QaReports
{
}

impl<
    T: Directory
        + Registers
        + Accounts
        + Casework
        + CaseFiles
        + Families
        + Messages
        + Records
        + Admissions
        + Contacts
        + ReturnsMade
        + Meetings
        + Trusts
        + QaReports,
> Store for T
{
}
