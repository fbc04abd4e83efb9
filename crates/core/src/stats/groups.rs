//! Pupils in groups: by what their record names (`summarise`, behind `report attendance`) or
//! any way a caller needs (`summarise_by`, the analytics' cohorts), each pupil judged on their
//! own sessions for persistent and severe absence.

use rustc_hash::FxHashMap;

use super::Tally;
use crate::calendar::DateRange;
use crate::ids::LaEstab;
use crate::pupil::{Pupil, SenStatus, Sex, YearGroup};
use crate::register::{PupilId, Register};
use crate::stats::Rate;

/// What pupils are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// Everyone together.
    All,
    /// Each pupil on their own.
    Pupil,
    /// Registration group.
    RegGroup,
    /// Year group.
    YearGroup,
    /// School.
    School,
    /// Sex.
    Sex,
    /// Free school meals eligibility.
    Fsm,
    /// English as an additional language.
    Eal,
    /// The pupil premium.
    PupilPremium,
    /// SEN provision.
    Sen,
}

/// The group a row of a report is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupKey {
    /// Everyone.
    All,
    /// One pupil.
    Pupil(PupilId),
    /// A registration group.
    RegGroup(String),
    /// A year group.
    YearGroup(YearGroup),
    /// A school; `None` for pupils not assigned to one.
    School(Option<LaEstab>),
    /// A sex.
    Sex(Sex),
    /// Eligible for free school meals, or not.
    Fsm(bool),
    /// English as an additional language, or not.
    Eal(bool),
    /// Attracting the pupil premium, or not.
    PupilPremium(bool),
    /// SEN provision.
    Sen(SenStatus),
}

impl GroupKey {
    fn of(by: GroupBy, id: PupilId, pupil: &Pupil) -> GroupKey {
        match by {
            GroupBy::All => GroupKey::All,
            GroupBy::Pupil => GroupKey::Pupil(id),
            GroupBy::RegGroup => GroupKey::RegGroup(pupil.reg_group.clone()),
            GroupBy::YearGroup => GroupKey::YearGroup(pupil.year_group),
            GroupBy::School => GroupKey::School(pupil.school),
            GroupBy::Sex => GroupKey::Sex(pupil.sex),
            GroupBy::Fsm => GroupKey::Fsm(pupil.fsm),
            GroupBy::Eal => GroupKey::Eal(pupil.eal),
            GroupBy::PupilPremium => GroupKey::PupilPremium(pupil.pupil_premium),
            GroupBy::Sen => GroupKey::Sen(pupil.sen),
        }
    }
}

/// The figures for one group over a date range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSummary<K = GroupKey> {
    /// The group.
    pub key: K,
    /// Pupils on roll at any time in the range.
    pub pupils: u64,
    /// Pupils with at least one possible session: the denominator of the PA and SA rates.
    pub pupils_with_possible: u64,
    /// Session counts, summed over the group's pupils.
    pub tally: Tally,
    /// Persistent absentees, each judged on their own sessions.
    pub persistent: u64,
    /// Severe absentees, each judged on their own sessions.
    pub severe: u64,
}

impl<K> GroupSummary<K> {
    /// A group with no pupils yet.
    pub fn new(key: K) -> GroupSummary<K> {
        GroupSummary {
            key,
            pupils: 0,
            pupils_with_possible: 0,
            tally: Tally::default(),
            persistent: 0,
            severe: 0,
        }
    }

    /// Adds another group's pupils and sessions: several schools' figures together.
    pub fn merge<L>(&mut self, other: &GroupSummary<L>) {
        self.pupils += other.pupils;
        self.pupils_with_possible += other.pupils_with_possible;
        self.persistent += other.persistent;
        self.severe += other.severe;
        self.tally.add(&other.tally);
    }

    fn add_pupil(&mut self, tally: &Tally) {
        self.pupils += 1;
        self.pupils_with_possible += u64::from(tally.possible > 0);
        self.persistent += u64::from(tally.is_persistent_absentee());
        self.severe += u64::from(tally.is_severe_absentee());
        self.tally.add(tally);
    }

    /// Persistent absence rate: persistent absentees ÷ pupils with possible sessions.
    pub fn persistent_rate(&self) -> Option<Rate> {
        Rate::new(self.persistent, self.pupils_with_possible)
    }

    /// Severe absence rate: severe absentees ÷ pupils with possible sessions.
    pub fn severe_rate(&self) -> Option<Rate> {
        Rate::new(self.severe, self.pupils_with_possible)
    }
}

/// Attendance over a range for every group, in group order; pupils on roll at any time in the
/// range are included.
pub fn summarise(register: &Register, range: DateRange, by: GroupBy) -> Vec<GroupSummary> {
    if by == GroupBy::Pupil {
        // Each pupil is a group of one, already in order: a region's pupils need no map.
        return register
            .ids()
            .zip(register.pupils())
            .filter(|(_, pupil)| pupil.on_roll_during(range))
            .map(|(id, _)| {
                let mut summary = GroupSummary::new(GroupKey::Pupil(id));
                summary.add_pupil(&Tally::of_row(register.row(id), range));
                summary
            })
            .collect();
    }
    summarise_by(register, range, |id, pupil| {
        Some(GroupKey::of(by, id, pupil))
    })
}

/// Attendance over a range for groups of the caller's choosing: `group` puts each pupil on roll
/// at any time in the range in a group, or leaves them out. Every report's figures come from
/// here (through [`summarise`] for the groups a pupil record names).
pub fn summarise_by<K: Ord + std::hash::Hash + Clone>(
    register: &Register,
    range: DateRange,
    group: impl Fn(PupilId, &Pupil) -> Option<K>,
) -> Vec<GroupSummary<K>> {
    let mut groups: FxHashMap<K, GroupSummary<K>> = FxHashMap::default();
    for (id, pupil) in register.ids().zip(register.pupils()) {
        if !pupil.on_roll_during(range) {
            continue;
        }
        let Some(key) = group(id, pupil) else {
            continue;
        };
        let tally = Tally::of_row(register.row(id), range);
        groups
            .entry(key.clone())
            .or_insert_with(|| GroupSummary::new(key))
            .add_pupil(&tally);
    }
    let mut rows: Vec<GroupSummary<K>> = groups.into_values().collect();
    rows.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    rows
}

/// One pupil's tally over a range.
pub fn pupil_tally(register: &Register, id: PupilId, range: DateRange) -> Tally {
    Tally::of_row(register.row(id), range)
}
