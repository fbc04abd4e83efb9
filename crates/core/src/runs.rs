//! Runs of consecutive sessions: the continuous absence the statutory triggers, the deletion
//! ground and the returns count.

use crate::calendar::Calendar;
use crate::code::Code;
use crate::register::RowView;
use crate::session::Slot;

/// Each run of at least `length` consecutive possible sessions whose codes all satisfy
/// `counts`, up to `until`: its first `length` sessions, so the last of them is the session that
/// met the rule. Sessions that are not possible neither extend nor break a run; a school
/// session with no mark breaks it, since nothing shows the pupil was absent; closed sessions are
/// not school sessions. Each run is reported once however long it goes on.
pub fn runs(
    row: RowView<'_>,
    calendar: &Calendar,
    until: Slot,
    length: usize,
    counts: impl Fn(Code) -> bool,
) -> Vec<Vec<Slot>> {
    let mut found = Vec::new();
    let mut run = Vec::with_capacity(length);
    let mut reported = false;
    for (i, &byte) in row.codes.iter().enumerate() {
        let Ok(offset) = i32::try_from(i) else {
            break;
        };
        let slot = Slot(row.start.0 + offset);
        if slot > until {
            break;
        }
        if !calendar.is_open(slot) {
            continue;
        }
        match Code::from_byte(byte) {
            Some(code) if counts(code) => {
                if run.len() < length {
                    run.push(slot);
                }
                if run.len() == length && !reported {
                    found.push(run.clone());
                    reported = true;
                }
            }
            Some(code) if !code.is_possible() => {}
            _ => {
                run.clear();
                reported = false;
            }
        }
    }
    found
}
