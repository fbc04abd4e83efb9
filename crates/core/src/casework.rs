//! A pupil's chronology: every contact, letter, meeting, referral, plan and decision, dated,
//! with who recorded it.
//!
//! The worklist reads it to know what has been done: an entry that names a worklist item
//! completes it (or dismisses it, with a reason), so the same action is never asked for twice.

use std::fmt;

use jiff::civil::DateTime;
use thiserror::Error;

use crate::procedures::{ActionKind, Flag, Rating};
use crate::pupil::{Pupil, SenStatus};
use crate::session::{SessionKey, Slot};

/// Identifies one worklist item: the rule that asks for it and the occasion it is for (a
/// session, the first day of an absence, an academic year).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemKey {
    /// The rule and step: `stage.facilitate.letter_2`.
    pub rule: String,
    /// The occasion: `2026-11-23 AM`, `2026-11-18`, `2026/27`.
    pub occasion: String,
}

impl ItemKey {
    /// Reads `rule@occasion`.
    pub fn parse(text: &str) -> Option<ItemKey> {
        let (rule, occasion) = text.split_once('@')?;
        (!rule.is_empty() && !occasion.is_empty()).then(|| ItemKey {
            rule: rule.to_owned(),
            occasion: occasion.to_owned(),
        })
    }
}

impl ItemKey {
    /// Whether the item is one of the first-day actions (the policy's `first_day` steps) for a
    /// session, whose occasion the worklist writes as the session.
    pub fn is_first_day(&self, session: SessionKey) -> bool {
        self.rule.starts_with("first_day.") && self.occasion == session.to_string()
    }
}

impl fmt::Display for ItemKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.rule, self.occasion)
    }
}

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A telephone call.
    Call,
    /// A text message.
    Text,
    /// An email.
    Email,
    /// A home visit.
    HomeVisit,
    /// A video call.
    VideoCall,
    /// A letter sent.
    Letter,
    /// A meeting held.
    Meeting,
    /// A referral made.
    Referral,
    /// A support plan or contract agreed.
    Plan,
    /// Someone outside the school told (home school, LA, social worker).
    Notification,
    /// A decision (on a penalty notice, a deletion, ...).
    Decision,
    /// A worklist item dismissed, with the reason in the note.
    Dismissed,
    /// A member of staff set the pupil's vulnerability rating, with a reason.
    RatingOverride(Rating),
    /// A risk assessment (seed 000 appendix 4): likelihood and frequency, each 1–5.
    RiskAssessment {
        /// Likelihood, 1 (never) to 5 (certain).
        likelihood: u8,
        /// Frequency, 1 (never) to 5 (daily).
        frequency: u8,
    },
    /// A parent reported an absence.
    AbsenceReport,
    /// A parent asked for leave of absence.
    LeaveRequest,
    /// Anything else worth keeping.
    Note,
    /// A call or visit that reached nobody: it is kept with its item, which stays open and is
    /// due again after the school's interval between tries (seed 000: "No response then LF
    /// will contact one, or both, of the two emergency contacts"; seed 001 §6 (6): the school
    /// contacts the other contacts "if they are unable to contact" the parents).
    NoAnswer,
    /// Takes back the entry before it for the same item, recorded by mistake
    /// (`crate::undo`).
    Undone,
    /// A letter printed and kept: not yet sent, so its item stays open until someone records
    /// that it was posted, handed over or emailed (a `Letter` entry).
    LetterPrinted,
}

impl EntryKind {
    /// The kind's name in data.
    pub fn id(self) -> &'static str {
        match self {
            EntryKind::Call => "call",
            EntryKind::Text => "text",
            EntryKind::Email => "email",
            EntryKind::HomeVisit => "home_visit",
            EntryKind::VideoCall => "video_call",
            EntryKind::Letter => "letter",
            EntryKind::Meeting => "meeting",
            EntryKind::Referral => "referral",
            EntryKind::Plan => "plan",
            EntryKind::Notification => "notification",
            EntryKind::Decision => "decision",
            EntryKind::Dismissed => "dismissed",
            EntryKind::RatingOverride(_) => "rating",
            EntryKind::RiskAssessment { .. } => "risk_assessment",
            EntryKind::AbsenceReport => "absence_report",
            EntryKind::LeaveRequest => "leave_request",
            EntryKind::Note => "note",
            EntryKind::NoAnswer => "no_answer",
            EntryKind::Undone => "undone",
            EntryKind::LetterPrinted => "letter_printed",
        }
    }

    /// The entry that records doing an action of a kind.
    pub fn recording(action: ActionKind) -> EntryKind {
        match action {
            ActionKind::Text => EntryKind::Text,
            ActionKind::Call | ActionKind::Contact => EntryKind::Call,
            ActionKind::HomeVisit | ActionKind::FaceToFace => EntryKind::HomeVisit,
            ActionKind::Letter => EntryKind::Letter,
            ActionKind::Meeting => EntryKind::Meeting,
            ActionKind::Plan => EntryKind::Plan,
            ActionKind::Referral => EntryKind::Referral,
            ActionKind::Notify => EntryKind::Notification,
            ActionKind::Decision => EntryKind::Decision,
            ActionKind::Register => EntryKind::Note,
        }
    }

    /// How the kind is named to people.
    pub fn title(self) -> &'static str {
        match self {
            EntryKind::Call => "Call",
            EntryKind::Text => "Text",
            EntryKind::Email => "Email",
            EntryKind::HomeVisit => "Home visit",
            EntryKind::VideoCall => "Video call",
            EntryKind::Letter => "Letter",
            EntryKind::Meeting => "Meeting",
            EntryKind::Referral => "Referral",
            EntryKind::Plan => "Plan or contract",
            EntryKind::Notification => "Notification",
            EntryKind::Decision => "Decision",
            EntryKind::Dismissed => "Dismissed",
            EntryKind::RatingOverride(_) => "Rating set",
            EntryKind::RiskAssessment { .. } => "Risk assessment",
            EntryKind::AbsenceReport => "Absence reported",
            EntryKind::LeaveRequest => "Leave requested",
            EntryKind::Note => "Note",
            EntryKind::NoAnswer => "No answer",
            EntryKind::Undone => "Undone",
            EntryKind::LetterPrinted => "Letter printed",
        }
    }

    /// The kinds that carry no data, in the order a form offers them.
    pub const SIMPLE: [EntryKind; 15] = [
        EntryKind::Call,
        EntryKind::Text,
        EntryKind::Email,
        EntryKind::HomeVisit,
        EntryKind::VideoCall,
        EntryKind::Letter,
        EntryKind::Meeting,
        EntryKind::Referral,
        EntryKind::Plan,
        EntryKind::Notification,
        EntryKind::Decision,
        EntryKind::Dismissed,
        EntryKind::AbsenceReport,
        EntryKind::LeaveRequest,
        EntryKind::Note,
    ];

    /// Reads a kind that carries no data.
    pub fn parse_simple(text: &str) -> Option<EntryKind> {
        EntryKind::SIMPLE.into_iter().find(|k| k.id() == text)
    }

    /// Reads a kind from its name and, for a rating or a risk assessment, the values it
    /// carries.
    pub fn parse(
        id: &str,
        rating: Option<&str>,
        likelihood: Option<u8>,
        frequency: Option<u8>,
    ) -> Result<EntryKind, EntryKindError> {
        match id {
            "rating" => rating
                .and_then(Rating::parse)
                .map(EntryKind::RatingOverride)
                .ok_or(EntryKindError::Rating),
            // Seed 000 appendix 4: likelihood and frequency are each scored 1 to 5.
            "risk_assessment" => match (likelihood, frequency) {
                (Some(likelihood @ 1..=5), Some(frequency @ 1..=5)) => {
                    Ok(EntryKind::RiskAssessment {
                        likelihood,
                        frequency,
                    })
                }
                _ => Err(EntryKindError::RiskScores),
            },
            "no_answer" => Ok(EntryKind::NoAnswer),
            "undone" => Ok(EntryKind::Undone),
            "letter_printed" => Ok(EntryKind::LetterPrinted),
            other => {
                EntryKind::parse_simple(other).ok_or_else(|| EntryKindError::Unknown(other.into()))
            }
        }
    }
}

/// Why a kind of entry cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EntryKindError {
    /// No such kind.
    #[error("{0:?} is not a kind of casework entry")]
    Unknown(String),
    /// A rating entry without a rating.
    #[error("a rating entry needs a rating: red, amber or green")]
    Rating,
    /// A risk assessment without both scores.
    #[error("a risk assessment needs likelihood and frequency, each 1 to 5")]
    RiskScores,
}

/// One dated entry in a pupil's chronology.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseEntry {
    /// When it happened.
    pub at: DateTime,
    /// What it was.
    pub kind: EntryKind,
    /// The worklist item it completes or dismisses, if any.
    pub item: Option<ItemKey>,
    /// To or with whom (a contact's name, "home school", "LA").
    pub with: String,
    /// What came of it, or the reason for a dismissal or an override.
    pub note: String,
    /// Who recorded it: name and position.
    pub by: String,
}

/// What a parent has told the school about sessions to come, as the worklist needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentNotice {
    /// The report or request's number: the occasion of any item it raises.
    pub id: i64,
    /// What it says.
    pub kind: NoticeKind,
    /// The first session it covers.
    pub first: Slot,
    /// The last session it covers.
    pub last: Slot,
    /// When the parent made it.
    pub at: DateTime,
}

/// What a parent's notice says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// The child will be (or is) absent; the office has not turned it down.
    ReportedAbsence,
    /// Leave of absence was asked for and refused, for these sessions.
    RefusedLeave,
}

impl ParentNotice {
    /// Whether it covers a session.
    pub fn covers(&self, slot: Slot) -> bool {
        self.first <= slot && slot <= self.last
    }
}

/// The casework the worklist needs for one pupil.
#[derive(Debug, Clone, Copy, Default)]
pub struct Case<'a> {
    /// The pupil's circumstances.
    pub flags: &'a [crate::procedures::Flag],
    /// The chronology, in the order recorded.
    pub entries: &'a [CaseEntry],
    /// Absences reported and leave refused.
    pub notices: &'a [ParentNotice],
    /// Meetings, plans, timetables, referrals and legal interventions.
    pub records: &'a [crate::casefile::CaseFileRecord],
}

impl Case<'_> {
    /// Whether the pupil has a circumstance now; an EHCP also shows in their SEN status.
    pub fn has_flag(&self, pupil: &Pupil, flag: Flag) -> bool {
        self.flags.contains(&flag) || (flag == Flag::Ehcp && pupil.sen == SenStatus::Ehcp)
    }

    /// The entries that did something: all in force but the tries that reached nobody and
    /// the letters printed and not yet sent.
    fn acted(&self) -> impl Iterator<Item = &CaseEntry> {
        crate::undo::in_force(self.entries)
            .into_iter()
            .filter(|e| !matches!(e.kind, EntryKind::NoAnswer | EntryKind::LetterPrinted))
    }

    /// When a letter for `key` was last printed, if it has not been recorded as sent.
    pub fn printed(&self, key: &ItemKey) -> Option<DateTime> {
        if self.done(key) {
            return None;
        }
        self.entries
            .iter()
            .filter(|e| e.kind == EntryKind::LetterPrinted && e.item.as_ref() == Some(key))
            .map(|e| e.at)
            .max()
    }

    /// Whether an entry completes or dismisses `key`.
    pub fn done(&self, key: &ItemKey) -> bool {
        self.acted().any(|e| e.item.as_ref() == Some(key))
    }

    /// The tries at `key` that reached nobody, oldest first.
    pub fn unanswered(&self, key: &ItemKey) -> Vec<DateTime> {
        let mut tries: Vec<DateTime> = crate::undo::in_force(self.entries)
            .into_iter()
            .filter(|e| e.kind == EntryKind::NoAnswer && e.item.as_ref() == Some(key))
            .map(|e| e.at)
            .collect();
        tries.sort_unstable();
        tries
    }

    /// When the earliest entry for an item whose rule starts with `prefix` was made, for one
    /// occasion.
    pub fn first_for(&self, prefix: &str, occasion: &str) -> Option<DateTime> {
        self.acted()
            .filter(|e| {
                e.item
                    .as_ref()
                    .is_some_and(|k| k.rule.starts_with(prefix) && k.occasion == occasion)
            })
            .map(|e| e.at)
            .min()
    }

    /// Whether a parent reported the absence of a session by `deadline`.
    pub fn reported_by(&self, slot: Slot, deadline: DateTime) -> bool {
        self.notices
            .iter()
            .any(|n| n.kind == NoticeKind::ReportedAbsence && n.covers(slot) && n.at <= deadline)
    }

    /// Every penalty notice the pupil's parents have had.
    pub fn penalty_notices(&self) -> impl Iterator<Item = &crate::casefile::PenaltyNotice> {
        crate::casefile::penalty_notices(self.records)
    }

    /// The latest entry matching `keep`, leaving out tries that reached nobody.
    pub fn latest(&self, keep: impl Fn(&CaseEntry) -> bool) -> Option<&CaseEntry> {
        self.acted().filter(|e| keep(e)).max_by_key(|e| e.at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_and_record_actions() {
        for kind in EntryKind::SIMPLE {
            assert_eq!(EntryKind::parse_simple(kind.id()), Some(kind));
        }
        assert_eq!(EntryKind::parse_simple("rating"), None, "carries a rating");
        // (name, rating, likelihood, frequency, read as)
        let table = [
            ("call", None, None, None, Ok(EntryKind::Call)),
            (
                "rating",
                Some("red"),
                None,
                None,
                Ok(EntryKind::RatingOverride(Rating::Red)),
            ),
            (
                "rating",
                Some("purple"),
                None,
                None,
                Err(EntryKindError::Rating),
            ),
            ("rating", None, None, None, Err(EntryKindError::Rating)),
            (
                "risk_assessment",
                None,
                Some(4),
                Some(5),
                Ok(EntryKind::RiskAssessment {
                    likelihood: 4,
                    frequency: 5,
                }),
            ),
            (
                "risk_assessment",
                None,
                Some(0),
                Some(5),
                Err(EntryKindError::RiskScores),
            ),
            (
                "risk_assessment",
                None,
                Some(3),
                Some(6),
                Err(EntryKindError::RiskScores),
            ),
            (
                "risk_assessment",
                None,
                Some(3),
                None,
                Err(EntryKindError::RiskScores),
            ),
            (
                "visit",
                None,
                None,
                None,
                Err(EntryKindError::Unknown("visit".into())),
            ),
        ];
        for (id, rating, likelihood, frequency, want) in table {
            assert_eq!(
                EntryKind::parse(id, rating, likelihood, frequency),
                want,
                "{id} {rating:?}"
            );
        }
        // (action asked for, the entry that records doing it)
        let table = [
            (ActionKind::Text, EntryKind::Text),
            (ActionKind::Call, EntryKind::Call),
            (ActionKind::Contact, EntryKind::Call),
            (ActionKind::HomeVisit, EntryKind::HomeVisit),
            // Seed 000 appendix 2: face-to-face is a home visit or a video call.
            (ActionKind::FaceToFace, EntryKind::HomeVisit),
            (ActionKind::Letter, EntryKind::Letter),
            (ActionKind::Meeting, EntryKind::Meeting),
            (ActionKind::Plan, EntryKind::Plan),
            (ActionKind::Referral, EntryKind::Referral),
            (ActionKind::Notify, EntryKind::Notification),
            (ActionKind::Decision, EntryKind::Decision),
            (ActionKind::Register, EntryKind::Note),
        ];
        assert_eq!(table.len(), ActionKind::ALL.len());
        for (action, entry) in table {
            assert_eq!(EntryKind::recording(action), entry, "{action:?}");
        }
    }

    #[test]
    fn item_keys() {
        // (text, parsed as rule and occasion)
        let table = [
            (
                "first_day.call@2025-09-10 AM",
                Some(("first_day.call", "2025-09-10 AM")),
            ),
            (
                "stage.facilitate.letter_2@2025/26",
                Some(("stage.facilitate.letter_2", "2025/26")),
            ),
            ("no-occasion@", None),
            ("@2025-09-10", None),
            ("no at sign", None),
        ];
        for (text, want) in table {
            let got = ItemKey::parse(text);
            assert_eq!(
                got.as_ref().map(|k| (k.rule.as_str(), k.occasion.as_str())),
                want,
                "{text}"
            );
            if let Some(key) = got {
                assert_eq!(key.to_string(), text);
            }
        }
    }

    #[test]
    fn first_day_items_of_a_session() {
        let session = |session| SessionKey {
            date: jiff::civil::date(2025, 9, 10),
            session,
        };
        // (item, the morning's, the afternoon's)
        let table = [
            ("first_day.call@2025-09-10 AM", true, false),
            ("first_day.text@2025-09-10 PM", false, true),
            ("welfare.home_visit@2025-09-10", false, false),
            ("first_day.call@2025-09-11 AM", false, false),
        ];
        for (text, am, pm) in table {
            let key = ItemKey::parse(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(key.is_first_day(session(crate::Session::Am)), am, "{text}");
            assert_eq!(key.is_first_day(session(crate::Session::Pm)), pm, "{text}");
        }
    }
}
