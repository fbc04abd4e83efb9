//! Pupils to watch: who is persistently or severely absent now, who became so this half term,
//! who was earlier this year but is not now, who is on course to be, and whose marks show a
//! pattern (seed 001 §6: "look at all severities of absence"; the DfE's 10% and 50%
//! thresholds, statutory.md §5).
//!
//! The date on course is the core's [`projected_persistent`](rollcall_core::trajectory).

use jiff::civil::Date;
use rollcall_core::trajectory::projected_persistent;
use rollcall_core::{Calendar, DateRange, PupilId, Register, Tally, stats::pupil_tally};

use crate::period::Period;
use crate::signs::{Signs, signs};

/// Why a pupil is on a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Watch {
    /// Missing half their sessions or more this year.
    Severe,
    /// Missing 10% or more, and newly so this half term.
    NewlyPersistent,
    /// Missing 10% or more this year.
    Persistent,
    /// Not persistently absent, but on course to be.
    AtRisk,
    /// None of these, but with a pattern in their marks ([`crate::signs`]).
    Patterns,
    /// Persistently absent at the end of the last half term, not now.
    Improved,
}

impl Watch {
    /// Its name in addresses.
    pub fn id(self) -> &'static str {
        match self {
            Watch::Severe => "severe",
            Watch::NewlyPersistent => "newly_persistent",
            Watch::Persistent => "persistent",
            Watch::AtRisk => "at_risk",
            Watch::Patterns => "patterns",
            Watch::Improved => "improved",
        }
    }

    /// How the list is headed.
    pub fn title(self) -> &'static str {
        match self {
            Watch::Severe => "Severely absent (50% or more)",
            Watch::NewlyPersistent => "Newly persistently absent this half term",
            Watch::Persistent => "Persistently absent (10% or more)",
            Watch::AtRisk => "On course to be persistently absent",
            Watch::Patterns => "Patterns in their absence",
            Watch::Improved => "Persistently absent at half term, not now",
        }
    }
}

/// A pupil on a list, with their figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    /// The pupil.
    pub id: PupilId,
    /// Why.
    pub watch: Watch,
    /// The year to date.
    pub year: Tally,
    /// The last four weeks.
    pub recent: Tally,
    /// When the year's attendance reaches 90% or less at the recent rate, if it does this year.
    pub persistent_on: Option<Date>,
    /// The signs in their marks.
    pub signs: Signs,
}

/// The pupils to watch on `today`, most serious first.
pub fn watch_list(register: &Register, calendar: &Calendar, today: Date) -> Vec<Watched> {
    let year = Period::YearToDate.range(calendar, today);
    let recent = Period::FourWeeks.range(calendar, today);
    let half = Period::HalfTerm.range(calendar, today);
    // The year as it stood the day before this half term began.
    let before_half = half
        .first
        .yesterday()
        .ok()
        .filter(|d| *d >= year.first)
        .map(|last| DateRange {
            first: year.first,
            last,
        });
    let mut list = Vec::new();
    for (id, pupil) in register.ids().zip(register.pupils()) {
        if !pupil.on_roll(today) {
            continue;
        }
        let y = pupil_tally(register, id, year);
        let r = pupil_tally(register, id, recent);
        let earlier = before_half.map(|range| pupil_tally(register, id, range));
        let was_persistent = earlier.is_some_and(|t| t.is_persistent_absentee());
        let persistent_on = projected_persistent(calendar, &y, &r, today);
        let signs = signs(register, calendar, id, today);
        let watch = if y.is_severe_absentee() {
            Watch::Severe
        } else if y.is_persistent_absentee() && !was_persistent {
            Watch::NewlyPersistent
        } else if y.is_persistent_absentee() {
            Watch::Persistent
        } else if persistent_on.is_some() {
            Watch::AtRisk
        } else if signs.any() {
            Watch::Patterns
        } else if was_persistent {
            Watch::Improved
        } else {
            continue;
        };
        list.push(Watched {
            id,
            watch,
            year: y,
            recent: r,
            persistent_on,
            signs,
        });
    }
    list.sort_by(|a, b| {
        a.watch
            .cmp(&b.watch)
            .then(a.year.attendance_rate().cmp(&b.year.attendance_rate()))
    });
    list
}
