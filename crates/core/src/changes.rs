//! What entering a mark does to a session that may already hold one.
//!
//! Every change to a mark after it is first recorded is an amendment that keeps the original
//! entry, the new one, the reason, when, and the name and position of who made it (the 2024
//! regulations, regulation 6; seed 000 "Any amendment to the attendance register will include
//! ..."; seed 004 likewise). Marks entered in advance (planned leave, a trip, a part-time
//! timetable) are recorded marks too, so changing one is an amendment.

use crate::code::Code;

/// The mark a session already holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    /// The code.
    pub code: Code,
    /// Minutes late, for `L` and `U`.
    pub minutes_late: Option<u16>,
    /// Entered in advance, before the register was taken.
    pub planned: bool,
}

/// What entering a mark does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The session had no mark: this is its first recording.
    Insert,
    /// The register confirms a mark entered in advance.
    Confirm,
    /// The session already holds exactly this mark.
    Unchanged,
    /// A different mark replaces a recorded one: an amendment, which needs a reason.
    Amend,
}

/// What entering `code` (with `minutes_late`) does to a session holding `held`.
pub fn change_for(held: Option<Held>, code: Code, minutes_late: Option<u16>) -> Change {
    match held {
        None => Change::Insert,
        Some(h) if h.code == code && h.minutes_late == minutes_late => {
            if h.planned {
                Change::Confirm
            } else {
                Change::Unchanged
            }
        }
        Some(_) => Change::Amend,
    }
}

/// Whether a bulk change (a trip, a closure) may write `code` to a session holding `held`.
///
/// A bulk change fills sessions not yet marked, and replaces `N` (reason not yet established,
/// a placeholder by definition: statutory.md §1.1). It never overwrites a mark someone has
/// recorded: a pupil registered present stays present when the site closes afterwards
/// (statutory.md §10), a pupil on leave or ill keeps that mark when their class goes on a trip.
/// A planned closure (`#`) is only for sessions with no mark at all.
pub fn bulk_may_replace(code: Code, held: Option<Held>) -> bool {
    match held {
        None => true,
        Some(h) => {
            h.code == Code::ReasonNotEstablished
                && code != Code::PlannedClosure
                && code != Code::ReasonNotEstablished
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(symbol: &str, planned: bool) -> Option<Held> {
        Some(Held {
            code: Code::parse(symbol).unwrap(),
            minutes_late: None,
            planned,
        })
    }

    #[test]
    fn register_changes() {
        let c = |s: &str| Code::parse(s).unwrap();
        let table = [
            (None, "/", Change::Insert),
            (held("C", true), "C", Change::Confirm),
            (held("C", true), "/", Change::Amend),
            (held("/", false), "/", Change::Unchanged),
            (held("/", false), "N", Change::Amend),
            (held("N", false), "I", Change::Amend),
        ];
        for (before, code, expect) in table {
            assert_eq!(
                change_for(before, c(code), None),
                expect,
                "{before:?} -> {code}"
            );
        }
        // Minutes late are part of the entry.
        let late = Some(Held {
            code: Code::Late,
            minutes_late: Some(5),
            planned: false,
        });
        assert_eq!(change_for(late, Code::Late, Some(5)), Change::Unchanged);
        assert_eq!(change_for(late, Code::Late, Some(9)), Change::Amend);
    }

    #[test]
    fn bulk_changes() {
        let table = [
            ("V", None, true),
            ("V", held("N", false), true),
            ("V", held("/", false), false),
            ("V", held("I", false), false),
            ("V", held("C", true), false),
            ("Y4", None, true),
            ("Y4", held("N", false), true),
            ("Y4", held("/", false), false), // registered before the closure: stays present
            ("#", None, true),
            ("#", held("N", false), false),
            ("V", held("V", false), false),
        ];
        for (code, before, expect) in table {
            let code = Code::parse(code).unwrap();
            assert_eq!(
                bulk_may_replace(code, before),
                expect,
                "{code} over {before:?}"
            );
        }
    }
}
