//! The records of parents and messages: the outbox, templates, parents' accounts, their reports
//! of absence and leave requests, and the office's decisions on them.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use rollcall_core::{AbsenceReason, Code, LeaveKind, RequestStatus, SessionKey};

use super::{Actor, ContactId, NewCaseEntry, ParentId, PupilKey, SchoolId};

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// A text message to a mobile number.
    Sms,
    /// An email.
    Email,
}

impl Channel {
    /// The channel's name in data.
    pub fn id(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }

    /// Reads a channel's name.
    pub fn parse(text: &str) -> Option<Channel> {
        [Channel::Sms, Channel::Email]
            .into_iter()
            .find(|c| c.id() == text)
    }
}

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// The pupil it is about; none for a message to the school's staff (the weekly summary).
    pub pupil: Option<PupilKey>,
    /// The contact it goes to.
    pub contact: Option<ContactId>,
    /// How.
    pub channel: Channel,
    /// The number or address.
    pub recipient: String,
    /// An email's subject.
    pub subject: Option<String>,
    /// What it says.
    pub body: String,
    /// Why it must not be sent (the contact opted out, no valid number), when it must not: it
    /// is kept, so the trail shows it.
    pub withheld: Option<String>,
}

/// Where a message is on its way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting to be sent, or to be tried again.
    Queued,
    /// Accepted by the mail server or the SMS provider.
    Sent,
    /// Given up after the last retry, or refused outright.
    Failed,
    /// Not sent, on purpose: see the reason.
    Withheld,
}

impl DeliveryStatus {
    /// Every status.
    pub const ALL: [DeliveryStatus; 4] = [
        DeliveryStatus::Queued,
        DeliveryStatus::Sent,
        DeliveryStatus::Failed,
        DeliveryStatus::Withheld,
    ];

    /// The status's name in data.
    pub fn id(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Withheld => "withheld",
        }
    }

    /// Reads a status's name.
    pub fn parse(text: &str) -> Option<DeliveryStatus> {
        DeliveryStatus::ALL.into_iter().find(|s| s.id() == text)
    }

    /// How people read it.
    pub fn title(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "Waiting to send",
            DeliveryStatus::Sent => "Sent",
            DeliveryStatus::Failed => "Not delivered",
            DeliveryStatus::Withheld => "Not sent",
        }
    }
}

/// A message as queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    /// Its number.
    pub id: i64,
    /// The message.
    pub message: NewMessage,
    /// When it was queued.
    pub queued_at: Timestamp,
    /// Where it is.
    pub status: DeliveryStatus,
    /// Tries so far.
    pub attempts: u32,
    /// The last failure, or why it is withheld.
    pub error: Option<String>,
    /// When it was sent, once it has been.
    pub sent_at: Option<Timestamp>,
}

/// What happened when a message was tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Accepted by the server or provider, with any reference it gave.
    Sent {
        /// When.
        at: Timestamp,
        /// The provider's reference.
        reference: Option<String>,
    },
    /// Failed for now: try again at `retry_at`.
    Retry {
        /// What went wrong.
        error: String,
        /// When to try again.
        retry_at: Timestamp,
    },
    /// Failed for good.
    Failed {
        /// What went wrong.
        error: String,
    },
}

/// A message template a school has edited: subject (for email) and body, with merge fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRecord {
    /// Which message.
    pub name: String,
    /// An email's subject.
    pub subject: String,
    /// The text.
    pub body: String,
    /// Who last changed it.
    pub by: String,
    /// When.
    pub at: Timestamp,
}

/// A parent's account on the parent portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentAccount {
    /// The account.
    pub id: ParentId,
    /// The email address they sign in with.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Their password's hash, once they have set one.
    pub password_hash: Option<String>,
}

/// What a one-time link to the parent portal is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// The school's invitation: set a password.
    Invitation,
    /// Sign in without a password.
    SignIn,
}

impl LinkPurpose {
    /// The purpose's name in data.
    pub fn id(self) -> &'static str {
        match self {
            LinkPurpose::Invitation => "invitation",
            LinkPurpose::SignIn => "sign_in",
        }
    }
}

/// A parent's report that their child is or will be absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAbsenceReport {
    /// The pupil.
    pub pupil: PupilKey,
    /// The contact the parent is.
    pub contact: ContactId,
    /// The parent's account.
    pub parent: ParentId,
    /// The first session.
    pub first: SessionKey,
    /// The last session.
    pub last: SessionKey,
    /// Why.
    pub reason: AbsenceReason,
    /// In the parent's words.
    pub details: String,
    /// When they expect the child back.
    pub expected_return: Option<Date>,
    /// When it was made, at the school.
    pub at: DateTime,
    /// When it was recorded.
    pub recorded_at: Timestamp,
}

/// A parent's request for leave of absence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLeaveRequest {
    /// The pupil.
    pub pupil: PupilKey,
    /// The contact the parent is.
    pub contact: ContactId,
    /// The parent's account.
    pub parent: ParentId,
    /// The first day.
    pub first: Date,
    /// The last day.
    pub last: Date,
    /// What kind of leave.
    pub kind: LeaveKind,
    /// Why, in the parent's words.
    pub reason: String,
    /// A supporting document.
    pub document: Option<Document>,
    /// When it was made, at the school.
    pub at: DateTime,
    /// When it was recorded.
    pub recorded_at: Timestamp,
}

/// A file a parent sent with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Its file name.
    pub name: String,
    /// Its media type.
    pub content_type: String,
    /// Its contents.
    pub bytes: Vec<u8>,
}

/// The school's answer to a report or a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Where it stands now.
    pub status: RequestStatus,
    /// What the school said.
    pub response: String,
    /// Who decided, name and position.
    pub by: String,
    /// When.
    pub at: Timestamp,
}

/// A report of absence as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsenceReportRecord {
    /// Its number.
    pub id: i64,
    /// The report.
    pub report: NewAbsenceReport,
    /// The parent's name.
    pub parent_name: String,
    /// Where it stands.
    pub status: RequestStatus,
    /// The school's latest answer.
    pub answer: Option<Answer>,
    /// The code entered on accepting it.
    pub code: Option<Code>,
}

/// A leave request as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaveRecord {
    /// Its number.
    pub id: i64,
    /// The request, without its document's contents.
    pub request: NewLeaveRequest,
    /// The parent's name.
    pub parent_name: String,
    /// The supporting document's name, if one was sent.
    pub document_name: Option<String>,
    /// Where it stands.
    pub status: RequestStatus,
    /// The school's answer.
    pub answer: Option<Answer>,
    /// The days granted, first and last, and their code.
    pub granted: Option<(Date, Date, Code)>,
}

/// The school's decision on a report or a request, with everything that goes with it: the
/// marks it enters, the chronology entry, and the message to the parent. Stored in one
/// transaction.
#[derive(Debug, Clone)]
pub struct Decision {
    /// The school.
    pub school: SchoolId,
    /// The report or request.
    pub id: i64,
    /// The new status.
    pub status: RequestStatus,
    /// What the school says.
    pub response: String,
    /// The sessions to code, and the code (for leave granted, the days granted).
    pub marks: Option<DecidedMarks>,
    /// Who decided.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
    /// The chronology entry.
    pub entry: NewCaseEntry,
    /// The message to the parent, with its chronology entry.
    pub message: Option<(NewMessage, NewCaseEntry)>,
}

/// The marks a decision enters: sessions holding no mark or `N` get the code.
#[derive(Debug, Clone)]
pub struct DecidedMarks {
    /// The code.
    pub code: Code,
    /// The open sessions.
    pub sessions: Vec<SessionKey>,
    /// For leave, the days granted.
    pub granted: Option<(Date, Date)>,
    /// The reason in the ledger.
    pub reason: String,
}
