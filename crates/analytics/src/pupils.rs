//! The pupils behind a cohort's figures: each pupil of the cohort with their own figures over
//! the period, from the same [`summarise_by`](rollcall_core::summarise_by) as the cohort's, so
//! the list always adds up to the table.

use rollcall_core::{DateRange, GroupSummary, PupilId, Register};

use crate::cohorts::{CircumstancesOf, Cut, cohort_of};

/// How a list of pupils is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PupilOrder {
    /// By class, then name.
    Class,
    /// By name.
    Name,
    /// Lowest attendance first.
    Attendance,
    /// Most unauthorised absence first.
    Unauthorised,
    /// Most late marks (L and U) first.
    Late,
}

impl PupilOrder {
    /// Every order, as a page offers them.
    pub const ALL: [PupilOrder; 5] = [
        PupilOrder::Class,
        PupilOrder::Name,
        PupilOrder::Attendance,
        PupilOrder::Unauthorised,
        PupilOrder::Late,
    ];

    /// Its name in addresses.
    pub fn id(self) -> &'static str {
        match self {
            PupilOrder::Class => "class",
            PupilOrder::Name => "name",
            PupilOrder::Attendance => "attendance",
            PupilOrder::Unauthorised => "unauthorised",
            PupilOrder::Late => "late",
        }
    }

    /// Reads its name.
    pub fn parse(id: &str) -> Option<PupilOrder> {
        PupilOrder::ALL.into_iter().find(|o| o.id() == id)
    }
}

/// The pupils of one cohort of a cut over a range, each with their own figures, in `order`.
pub fn cohort_pupils(
    register: &Register,
    cut: Cut,
    cohort: &str,
    range: DateRange,
    circumstances: CircumstancesOf<'_>,
    order: PupilOrder,
) -> Vec<GroupSummary<PupilId>> {
    let mut pupils = rollcall_core::summarise_by(register, range, |id, pupil| {
        (cohort_of(cut, pupil, &circumstances(id, range)).1 == cohort).then_some(id)
    });
    let name = |id: PupilId| {
        register
            .pupil(id)
            .map(|p| (p.legal_surname.clone(), p.known_as().to_owned()))
    };
    let class = |id: PupilId| register.pupil(id).map(|p| p.reg_group.clone());
    let late = |g: &GroupSummary<PupilId>| g.tally.late_before_close + g.tally.late_after_close;
    pupils.sort_by(|a, b| {
        let by_name = || name(a.key).cmp(&name(b.key));
        match order {
            PupilOrder::Class => class(a.key).cmp(&class(b.key)).then_with(by_name),
            PupilOrder::Name => by_name(),
            PupilOrder::Attendance => a
                .tally
                .attendance_rate()
                .cmp(&b.tally.attendance_rate())
                .then_with(by_name),
            PupilOrder::Unauthorised => b
                .tally
                .unauthorised
                .cmp(&a.tally.unauthorised)
                .then_with(by_name),
            PupilOrder::Late => late(b).cmp(&late(a)).then_with(by_name),
        }
    });
    pupils
}
