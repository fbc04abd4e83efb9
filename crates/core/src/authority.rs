//! Who may change a mark once it is recorded, and the reasons a change is made for.
//!
//! The register is the school's record (the 2024 regulations, regulation 5), and every change
//! to it keeps the original, the new entry, the reason, when and who (regulation 6, updating
//! registers; statutory.md §"Amendments"; seed 000 "Any amendment to the attendance register will include";
//! seed 004 likewise). Class teachers and tutors take their groups' registers (seed 000
//! "Subject Tutors/Form Tutors are responsible for recording attendance accurately"; seed 002
//! "Class Teachers") while the register is open (seed 000 "The registers for each session will
//! be kept open for 30 mins from the start time of the session"; seed 001 "Registers 'close' at
//! a set time every day (30 minutes after they open)"); after that the attendance office keeps
//! it right (seed 000 "The Attendance Officer"; seed 002 "Attendance Officer"). So a teacher
//! corrects their own register until it closes, or the school's window after, and never
//! overwrites what the office has entered: its amendments, a bulk code (a trip, a closure), a
//! parent's report the office accepted, or a mark planned in advance (leave, a part-time
//! timetable); nor an imported one.

use std::fmt;

use jiff::Timestamp;
use thiserror::Error;

/// How a mark came to be held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MarkSource {
    /// Taken on a register.
    Register,
    /// Entered in advance: leave, a trip, a part-time timetable.
    Planned,
    /// Entered or changed by the office.
    Office,
    /// A bulk change, or a parent's report the office accepted.
    Bulk,
    /// Imported from another system.
    Import,
}

impl MarkSource {
    /// Every source.
    pub const ALL: [MarkSource; 5] = [
        MarkSource::Register,
        MarkSource::Planned,
        MarkSource::Office,
        MarkSource::Bulk,
        MarkSource::Import,
    ];

    /// The source's name in data.
    pub fn id(self) -> &'static str {
        match self {
            MarkSource::Register => "register",
            MarkSource::Planned => "planned",
            MarkSource::Office => "office",
            MarkSource::Bulk => "bulk",
            MarkSource::Import => "import",
        }
    }

    /// Reads a source's name.
    pub fn parse(text: &str) -> Option<MarkSource> {
        MarkSource::ALL.into_iter().find(|s| s.id() == text)
    }

    /// How it is described to people.
    pub fn description(self) -> &'static str {
        match self {
            MarkSource::Register => "taken on the register",
            MarkSource::Planned => "entered in advance by the office",
            MarkSource::Office => "entered by the office",
            MarkSource::Bulk => "entered by the office for a group or a parent's report",
            MarkSource::Import => "imported from the school's previous system",
        }
    }
}

/// What a writer may do to marks already recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authority {
    /// Holds the permission to amend any mark, with a reason (the attendance office, senior
    /// leaders).
    pub may_amend: bool,
    /// For a teacher taking their own register: until when they may still correct it (the
    /// register's close, plus the school's window).
    pub corrects_until: Timestamp,
}

impl Authority {
    /// The authority of whoever may amend any mark (the office, an import, a test).
    pub const AMEND_ANY: Authority = Authority {
        may_amend: true,
        corrects_until: Timestamp::MIN,
    };
}

/// Why a change to a recorded mark is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    /// The mark was not taken on a register, so only the office changes it.
    #[error("the mark was {}; ask the attendance office to change it", .0.description())]
    NotYours(MarkSource),
    /// The register has closed.
    #[error(
        "the register closed and can no longer be corrected from here; ask the attendance office to change the mark"
    )]
    Closed,
}

/// Whether a writer with `authority` may change, at `at`, a mark recorded from `source`.
/// A session with no mark is not a change: anyone who may take the register records it.
pub fn may_change(authority: Authority, source: MarkSource, at: Timestamp) -> Result<(), Refusal> {
    if authority.may_amend {
        return Ok(());
    }
    if source != MarkSource::Register {
        return Err(Refusal::NotYours(source));
    }
    if at > authority.corrects_until {
        return Err(Refusal::Closed);
    }
    Ok(())
}

/// Why a mark is changed: the first part of every amendment's reason, with the person's own
/// words after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeReason {
    /// The reason for an absence is now known (seed 001 §"Code N": "the correct code should
    /// then be entered, within 5 school days"; seed 004 `N`).
    ReasonEstablished,
    /// The pupil arrived late or left early.
    ArrivedLate,
    /// A parent's report of absence, or evidence for it, was received.
    ParentReport,
    /// Leave, a trip or a part-time timetable changed.
    PlanChanged,
    /// The mark was entered in error.
    MarkedInError,
    /// Something else, which the words must say.
    Other,
}

impl ChangeReason {
    /// Every reason, in the order a form lists them.
    pub const ALL: [ChangeReason; 6] = [
        ChangeReason::ReasonEstablished,
        ChangeReason::ArrivedLate,
        ChangeReason::ParentReport,
        ChangeReason::PlanChanged,
        ChangeReason::MarkedInError,
        ChangeReason::Other,
    ];

    /// The reason's name in forms and the API.
    pub fn id(self) -> &'static str {
        match self {
            ChangeReason::ReasonEstablished => "reason_established",
            ChangeReason::ArrivedLate => "arrived_late",
            ChangeReason::ParentReport => "parent_report",
            ChangeReason::PlanChanged => "plan_changed",
            ChangeReason::MarkedInError => "marked_in_error",
            ChangeReason::Other => "other",
        }
    }

    /// How it reads in the ledger.
    pub fn label(self) -> &'static str {
        match self {
            ChangeReason::ReasonEstablished => "Reason for absence established",
            ChangeReason::ArrivedLate => "Arrived late or left early",
            ChangeReason::ParentReport => "Parent's report received",
            ChangeReason::PlanChanged => "Leave, trip or timetable changed",
            ChangeReason::MarkedInError => "Marked in error",
            ChangeReason::Other => "Other",
        }
    }

    /// Reads a reason's name.
    pub fn parse(text: &str) -> Option<ChangeReason> {
        ChangeReason::ALL.into_iter().find(|r| r.id() == text)
    }
}

impl fmt::Display for ChangeReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Why a reason for a change is not enough.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReasonError {
    /// Not one of the list.
    #[error("{0:?} is not a reason for a change; choose one of: {ids}", ids = reason_ids())]
    Unknown(String),
    /// "Other" without saying what.
    #[error("say what the reason is in the note")]
    Unexplained,
}

fn reason_ids() -> String {
    ChangeReason::ALL.map(ChangeReason::id).join(", ")
}

/// The reason kept with a change: the listed reason, and the person's note after it ("Reason for
/// absence established: mother phoned at 9.40"). "Other" needs a note.
pub fn change_reason(reason: &str, note: &str) -> Result<String, ReasonError> {
    let reason =
        ChangeReason::parse(reason.trim()).ok_or_else(|| ReasonError::Unknown(reason.into()))?;
    match (reason, note.trim()) {
        (ChangeReason::Other, "") => Err(ReasonError::Unexplained),
        (ChangeReason::Other, note) => Ok(note.to_owned()),
        (reason, "") => Ok(reason.label().to_owned()),
        (reason, note) => Ok(format!("{}: {note}", reason.label())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{Time, date, time};
    use jiff::tz::TimeZone;

    /// On 10 September 2025, in London.
    fn on(t: Time) -> Timestamp {
        date(2025, 9, 10)
            .to_datetime(t)
            .to_zoned(TimeZone::get("Europe/London").unwrap())
            .unwrap()
            .timestamp()
    }

    #[test]
    fn teachers_correct_their_own_register_while_it_is_open() {
        // (seed, the register closes, the school's window after it, a change at, source,
        // a teacher may)
        let table = [
            // Seed 000: "9.30am AM register closes"; "1.15pm PM register closes".
            (
                "000",
                time(9, 30, 0, 0),
                0,
                time(9, 25, 0, 0),
                MarkSource::Register,
                Ok(()),
            ),
            (
                "000",
                time(9, 30, 0, 0),
                0,
                time(9, 31, 0, 0),
                MarkSource::Register,
                Err(Refusal::Closed),
            ),
            (
                "000",
                time(13, 15, 0, 0),
                0,
                time(13, 15, 0, 0),
                MarkSource::Register,
                Ok(()),
            ),
            // Seed 001: registers close 30 minutes after they open (8.45 → 9.15).
            (
                "001",
                time(9, 15, 0, 0),
                0,
                time(9, 16, 0, 0),
                MarkSource::Register,
                Err(Refusal::Closed),
            ),
            // A school that lets teachers correct for 30 minutes after the register closes.
            (
                "001",
                time(9, 15, 0, 0),
                30,
                time(9, 44, 0, 0),
                MarkSource::Register,
                Ok(()),
            ),
            (
                "001",
                time(9, 15, 0, 0),
                30,
                time(9, 46, 0, 0),
                MarkSource::Register,
                Err(Refusal::Closed),
            ),
            // Seed 002 (closes 9.10): the office's code stands, whatever the time.
            (
                "002",
                time(9, 10, 0, 0),
                0,
                time(8, 55, 0, 0),
                MarkSource::Office,
                Err(Refusal::NotYours(MarkSource::Office)),
            ),
            (
                "002",
                time(9, 10, 0, 0),
                0,
                time(8, 55, 0, 0),
                MarkSource::Bulk,
                Err(Refusal::NotYours(MarkSource::Bulk)),
            ),
            (
                "002",
                time(9, 10, 0, 0),
                0,
                time(8, 55, 0, 0),
                MarkSource::Planned,
                Err(Refusal::NotYours(MarkSource::Planned)),
            ),
            // Seed 003 (closes 9.15); seed 004 (closes 9.30).
            (
                "003",
                time(9, 15, 0, 0),
                0,
                time(9, 0, 0, 0),
                MarkSource::Import,
                Err(Refusal::NotYours(MarkSource::Import)),
            ),
            (
                "004",
                time(9, 30, 0, 0),
                0,
                time(9, 29, 0, 0),
                MarkSource::Register,
                Ok(()),
            ),
        ];
        for (seed, closes, window, at, source, expect) in table {
            let until = on(closes) + jiff::SignedDuration::from_mins(window);
            let teacher = Authority {
                may_amend: false,
                corrects_until: until,
            };
            assert_eq!(
                may_change(teacher, source, on(at)),
                expect,
                "seed {seed}: {source:?} at {at}"
            );
            // The office may change any of them, at any time, with a reason.
            let office = Authority {
                may_amend: true,
                ..teacher
            };
            assert_eq!(may_change(office, source, on(at)), Ok(()), "seed {seed}");
        }
    }

    #[test]
    fn reasons_from_the_list_with_the_persons_words() {
        let table = [
            (
                "reason_established",
                "mother phoned 9.40",
                Ok("Reason for absence established: mother phoned 9.40"),
            ),
            ("marked_in_error", "  ", Ok("Marked in error")),
            ("other", "Fire drill roll call", Ok("Fire drill roll call")),
            ("other", "", Err(ReasonError::Unexplained)),
            ("Dentist", "", Err(ReasonError::Unknown("Dentist".into()))),
        ];
        for (reason, note, expect) in table {
            assert_eq!(
                change_reason(reason, note),
                expect.map(str::to_owned),
                "{reason} / {note}"
            );
        }
        for reason in ChangeReason::ALL {
            assert_eq!(ChangeReason::parse(reason.id()), Some(reason));
        }
        for source in MarkSource::ALL {
            assert_eq!(MarkSource::parse(source.id()), Some(source));
        }
    }
}
