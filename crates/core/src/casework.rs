//! A pupil's chronology: every contact, letter, meeting, referral, plan and decision, dated,
//! with who recorded it.
//!
//! The worklist reads it to know what has been done: an entry that names a worklist item
//! completes it (or dismisses it, with a reason), so the same action is never asked for twice.

use std::fmt;

use jiff::civil::DateTime;

use crate::procedures::{ActionKind, Rating};

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
    /// Anything else worth keeping.
    Note,
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
            EntryKind::Note => "note",
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
            EntryKind::Note => "Note",
        }
    }

    /// The kinds that carry no data, in the order a form offers them.
    pub const SIMPLE: [EntryKind; 13] = [
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
        EntryKind::Note,
    ];

    /// Reads a kind that carries no data.
    pub fn parse_simple(text: &str) -> Option<EntryKind> {
        EntryKind::SIMPLE.into_iter().find(|k| k.id() == text)
    }
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

/// The casework the worklist needs for one pupil.
#[derive(Debug, Clone, Copy, Default)]
pub struct Case<'a> {
    /// The pupil's circumstances.
    pub flags: &'a [crate::procedures::Flag],
    /// The chronology, in any order.
    pub entries: &'a [CaseEntry],
}

impl Case<'_> {
    /// Whether an entry completes or dismisses `key`.
    pub fn done(&self, key: &ItemKey) -> bool {
        self.entries.iter().any(|e| e.item.as_ref() == Some(key))
    }

    /// When the earliest entry for an item whose rule starts with `prefix` was made, for one
    /// occasion.
    pub fn first_for(&self, prefix: &str, occasion: &str) -> Option<DateTime> {
        self.entries
            .iter()
            .filter(|e| {
                e.item
                    .as_ref()
                    .is_some_and(|k| k.rule.starts_with(prefix) && k.occasion == occasion)
            })
            .map(|e| e.at)
            .min()
    }

    /// The latest entry matching `keep`.
    pub fn latest(&self, keep: impl Fn(&CaseEntry) -> bool) -> Option<&CaseEntry> {
        self.entries.iter().filter(|e| keep(e)).max_by_key(|e| e.at)
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
}
