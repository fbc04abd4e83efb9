//! The records of casework: chronology entries, circumstances, register-close jobs, case-file
//! records and letters.

use jiff::Timestamp;
use jiff::civil::Date;
use rollcall_core::{CaseEntry, Flag, SessionKey};

use super::{Actor, NewMessage, PlannedMark, PupilKey, SchoolId};

/// An entry to add to a pupil's chronology.
#[derive(Debug, Clone)]
pub struct NewCaseEntry {
    /// The pupil.
    pub pupil: PupilKey,
    /// When it happened, what it was, with whom and what came of it. Its `by` is ignored:
    /// `actor` records who.
    pub entry: CaseEntry,
    /// Who recorded it.
    pub actor: Actor,
    /// When it was recorded.
    pub recorded_at: Timestamp,
}

/// An entry of a pupil's chronology as stored; `entry.by` reads "name, position".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    /// Its number.
    pub id: i64,
    /// The pupil.
    pub pupil: PupilKey,
    /// The entry.
    pub entry: CaseEntry,
    /// When it was recorded.
    pub recorded_at: Timestamp,
}

/// A circumstance of a pupil's to record from a date.
#[derive(Debug, Clone)]
pub struct NewFlag {
    /// The pupil.
    pub pupil: PupilKey,
    /// The circumstance.
    pub flag: Flag,
    /// From when.
    pub from: Date,
    /// Where it is known from ("LA notification 3 Sept").
    pub note: String,
    /// Who recorded it.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
}

/// A circumstance for a spell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagRecord {
    /// Its number.
    pub id: i64,
    /// The pupil.
    pub pupil: PupilKey,
    /// The circumstance.
    pub flag: Flag,
    /// From when.
    pub from: Date,
    /// The last day it applied, once it has ended.
    pub until: Option<Date>,
    /// Where it is known from.
    pub note: String,
    /// Who recorded it: "name, position".
    pub by: String,
    /// Who recorded its end, if it has ended.
    pub ended_by: Option<String>,
}

impl FlagRecord {
    /// Whether it applies on a date.
    pub fn applies_on(&self, date: Date) -> bool {
        self.from <= date && self.until.is_none_or(|until| date <= until)
    }
}

/// What a scheduled job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Texts parents of pupils absent with no reason once a register closes.
    RegisterClose,
    /// Emails the week's attendance to the headteacher (the school's `weekly_summary_to`).
    WeeklySummary,
}

impl JobKind {
    /// Its name in the store.
    pub fn id(self) -> &'static str {
        match self {
            JobKind::RegisterClose => "register_close",
            JobKind::WeeklySummary => "weekly_summary",
        }
    }
}

/// A scheduled job and what it did: recorded, with its messages and chronology entries, in one
/// transaction, once per school, kind and session.
#[derive(Debug, Clone)]
pub struct ScheduledJob {
    /// What it does.
    pub kind: JobKind,
    /// The school.
    pub school: SchoolId,
    /// The session whose register closed (the day's afternoon for the weekly summary).
    pub key: SessionKey,
    /// The process that ran it.
    pub runner: String,
    /// When.
    pub at: Timestamp,
    /// What it found, in a sentence.
    pub summary: String,
    /// The messages it queues.
    pub messages: Vec<NewMessage>,
    /// The chronology entries it adds.
    pub entries: Vec<NewCaseEntry>,
    /// The returns it makes (an alternative provision's absence notices to home schools), each
    /// with its message and chronology entry.
    pub returns: Vec<crate::NewReturn>,
}

/// A job as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    /// The school.
    pub school: SchoolId,
    /// What kind of job: `register_close`.
    pub kind: String,
    /// The session it was for.
    pub key: SessionKey,
    /// The process that ran it.
    pub runner: String,
    /// When.
    pub at: Timestamp,
    /// What it found.
    pub summary: String,
}

/// A case-file record to file: the record, the chronology entry that says so (naming the
/// worklist item it completes, if any), and the marks it enters in advance (a part-time
/// timetable's `C2`s).
#[derive(Debug, Clone)]
pub struct NewFileRecord {
    /// The record.
    pub record: rollcall_core::casefile::Record,
    /// Its chronology entry; `entry.pupil` is the pupil.
    pub entry: NewCaseEntry,
    /// Marks it enters for sessions not yet marked.
    pub marks: Vec<PlannedMark>,
}

/// A case-file record as stored, with its pupil.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiledRecord {
    /// The pupil.
    pub pupil: PupilKey,
    /// The record.
    pub record: rollcall_core::casefile::CaseFileRecord,
}

/// A letter to keep: the letter as it was printed, and its chronology entry.
#[derive(Debug, Clone)]
pub struct NewLetter {
    /// The template it was made from.
    pub template: String,
    /// To whom.
    pub recipient: String,
    /// Its subject line.
    pub subject: String,
    /// The letter as printed, as the letters crate reads it back (JSON).
    pub content: String,
    /// Its chronology entry; `entry.pupil` is the pupil.
    pub entry: NewCaseEntry,
}

/// A letter as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterRecord {
    /// Its number.
    pub id: i64,
    /// The pupil.
    pub pupil: PupilKey,
    /// The template it was made from.
    pub template: String,
    /// To whom.
    pub recipient: String,
    /// Its subject line.
    pub subject: String,
    /// The letter as printed (JSON).
    pub content: String,
    /// When it was printed.
    pub printed: jiff::civil::DateTime,
    /// Who printed it: "name, position".
    pub by: String,
    /// The worklist item it is for (`rule@occasion`), which its sending completes.
    pub item: Option<String>,
    /// How it was sent, if it has been: the latest recording, unless that was taken back.
    pub sent: Option<LetterSent>,
}

/// How, when and by whom a letter was recorded as sent (or the recording taken back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterSent {
    /// How.
    pub how: rollcall_core::delivery::Delivery,
    /// When it was recorded.
    pub at: jiff::civil::DateTime,
    /// Who recorded it: "name, position".
    pub by: String,
}

/// A recording that a letter was sent, or taken back, with its chronology entry.
#[derive(Debug, Clone)]
pub struct NewLetterSent {
    /// The school.
    pub school: SchoolId,
    /// The letter.
    pub letter: i64,
    /// How it went, or `Undone`.
    pub how: rollcall_core::delivery::Delivery,
    /// Its chronology entry; `entry.pupil` is the letter's pupil.
    pub entry: NewCaseEntry,
}
