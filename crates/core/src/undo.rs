//! Taking back a chronology entry made by mistake.
//!
//! The chronology is a record others rely on, so nothing is deleted from it: an `Undone`
//! entry is appended that takes back the latest entry before it for the same worklist item,
//! and the item is open again. Only the person who made the entry may take it back, and only
//! for a few minutes, which is what a wrong click needs; later corrections are new entries
//! with their own reasons.

use jiff::ToSpan;
use jiff::civil::DateTime;

use crate::casework::{CaseEntry, EntryKind, ItemKey};

/// How long after making an entry its author may take it back.
pub const UNDO_MINUTES: i64 = 10;

/// The entries in force, in the order recorded: each `Undone` entry takes back the latest
/// entry in force before it for the same item, and is not in force itself.
pub fn in_force(entries: &[CaseEntry]) -> Vec<&CaseEntry> {
    let mut order: Vec<&CaseEntry> = entries.iter().collect();
    if !order.iter().any(|e| e.kind == EntryKind::Undone) {
        return order;
    }
    // Stable: entries recorded at the same second keep the order they were stored in.
    order.sort_by_key(|e| e.at);
    let mut kept: Vec<&CaseEntry> = Vec::with_capacity(order.len());
    for entry in order {
        if entry.kind != EntryKind::Undone {
            kept.push(entry);
            continue;
        }
        // An undoing names the item it reopens; one without takes nothing back.
        if entry.item.is_some()
            && let Some(at) = kept.iter().rposition(|e| e.item == entry.item)
        {
            kept.remove(at);
        }
    }
    kept
}

/// The entry for `item` that `by` (name and position) may take back at `now`: the item's
/// latest entry in force, if they made it in the last [`UNDO_MINUTES`].
pub fn undoable<'a>(
    entries: &'a [CaseEntry],
    item: &ItemKey,
    by: &str,
    now: DateTime,
) -> Option<&'a CaseEntry> {
    let latest = in_force(entries)
        .into_iter()
        .rev()
        .find(|e| e.item.as_ref() == Some(item))?;
    may_take_back(&latest.by, latest.at, by, now).then_some(latest)
}

/// Whether `by` may take back, at `now`, what `author` recorded `at`: their own, within
/// [`UNDO_MINUTES`]. Entries and letters' recordings as sent follow the same rule.
pub fn may_take_back(author: &str, at: DateTime, by: &str, now: DateTime) -> bool {
    author == by
        && at <= now
        && at
            .checked_add(UNDO_MINUTES.minutes())
            .is_ok_and(|until| now <= until)
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn entry(minute: i8, kind: EntryKind, item: &str, by: &str) -> CaseEntry {
        CaseEntry {
            at: date(2026, 11, 19).at(9, minute, 0, 0),
            kind,
            item: ItemKey::parse(item),
            with: String::new(),
            note: String::new(),
            by: by.into(),
        }
    }

    const CALL: &str = "first_day.call@2026-11-19 AM";
    const LETTER: &str = "stage.letter_1@2026/27";
    const LISA: &str = "Lisa Craven, Attendance officer";

    #[test]
    fn an_undoing_takes_back_the_latest_entry_for_its_item() {
        use EntryKind::*;
        // (entries, kinds in force)
        let table: [(Vec<CaseEntry>, Vec<EntryKind>); 6] = [
            (
                vec![entry(0, Call, CALL, LISA), entry(1, Undone, CALL, LISA)],
                vec![],
            ),
            (
                vec![
                    entry(0, NoAnswer, CALL, LISA),
                    entry(5, Call, CALL, LISA),
                    entry(6, Undone, CALL, LISA),
                ],
                vec![NoAnswer],
            ),
            (
                vec![
                    entry(0, Letter, LETTER, LISA),
                    entry(5, Call, CALL, LISA),
                    entry(6, Undone, CALL, LISA),
                ],
                vec![Letter],
            ),
            // Two undoings take back two entries, newest first.
            (
                vec![
                    entry(0, NoAnswer, CALL, LISA),
                    entry(5, Call, CALL, LISA),
                    entry(6, Undone, CALL, LISA),
                    entry(6, Undone, CALL, LISA),
                ],
                vec![],
            ),
            // An undoing with nothing before it takes nothing back.
            (
                vec![entry(1, Undone, CALL, LISA), entry(2, Call, CALL, LISA)],
                vec![Call],
            ),
            // Nor does one that names no item.
            (
                vec![entry(0, Note, "", LISA), entry(1, Undone, "", LISA)],
                vec![Note],
            ),
        ];
        for (entries, kinds) in table {
            let kept: Vec<EntryKind> = in_force(&entries).iter().map(|e| e.kind).collect();
            assert_eq!(kept, kinds, "{entries:?}");
        }
    }

    #[test]
    fn only_the_author_may_undo_and_only_for_a_few_minutes() {
        let entries = [entry(0, EntryKind::Call, CALL, LISA)];
        let item = ItemKey::parse(CALL).unwrap();
        let at = |m: i8| date(2026, 11, 19).at(9, m, 0, 0);
        // (who, when, may undo)
        let table = [
            (LISA, at(0), true),
            (LISA, at(10), true),
            (LISA, at(11), false),
            ("Tom Teach, Class teacher", at(1), false),
        ];
        for (by, now, may) in table {
            assert_eq!(
                undoable(&entries, &item, by, now).is_some(),
                may,
                "{by} {now}"
            );
        }
        let other = ItemKey::parse(LETTER).unwrap();
        assert!(undoable(&entries, &other, LISA, at(1)).is_none());
    }
}
