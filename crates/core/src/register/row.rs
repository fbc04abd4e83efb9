//! A pupil's row of the register and how it grows.

use crate::calendar::AcademicYear;
use crate::session::{Session, Slot};

/// One pupil's marks: a byte per session from `start` (0 means no mark), and minutes late.
#[derive(Debug, Clone, Default)]
pub(super) struct Row {
    pub(super) start: i32,
    pub(super) codes: Vec<u8>,
    pub(super) lates: Vec<(i32, u16)>,
}

impl Row {
    pub(super) fn get(&self, slot: Slot) -> u8 {
        usize::try_from(slot.0 - self.start)
            .ok()
            .and_then(|i| self.codes.get(i))
            .copied()
            .unwrap_or(0)
    }

    /// The cell for `slot`, growing the row to reach it. Marks entered one at a time come in
    /// date order across pupils, so growth reserves to the end of the academic year: a year of
    /// marks costs one allocation per pupil.
    pub(super) fn cell(&mut self, slot: Slot) -> Option<&mut u8> {
        self.span(slot, slot, true)?.first_mut()
    }

    /// The cells from `first` to `last`, growing the row once to reach both, and reserving to
    /// the end of `last`'s academic year when `to_year_end`.
    pub(super) fn span(&mut self, first: Slot, last: Slot, to_year_end: bool) -> Option<&mut [u8]> {
        if self.codes.is_empty() {
            self.start = first.0;
        }
        let start = self.start.min(first.0);
        let end = (self.start + i32::try_from(self.codes.len()).ok()?).max(last.0 + 1);
        let len = usize::try_from(end - start).ok()?;
        let shift = usize::try_from(self.start - start).ok()?;
        if shift > 0 || len > self.codes.capacity() {
            let year_end = Slot::new(AcademicYear::of(last.key().date).last_day(), Session::Pm);
            let wanted = match to_year_end {
                true => usize::try_from(year_end.0 + 1 - start).map_or(len, |w| w.max(len)),
                false => len,
            };
            let mut codes = Vec::with_capacity(wanted);
            codes.resize(shift, 0);
            codes.extend_from_slice(&self.codes);
            self.codes = codes;
            self.start = start;
        }
        self.codes.resize(len, 0);
        let from = usize::try_from(first.0 - self.start).ok()?;
        let to = usize::try_from(last.0 - self.start).ok()?;
        self.codes.get_mut(from..=to)
    }
}
