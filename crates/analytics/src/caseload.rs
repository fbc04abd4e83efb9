//! The attendance meeting's caseload and the impact of its steps (seed 001 §7(2),(4): at least
//! fortnightly, "individual level analysis to identify the pupils either with poor attendance
//! or at risk"; Annex 4a: "pupils had attendance letters sent … IMPACT % improved attendance").

use std::collections::BTreeMap;

use jiff::ToSpan;
use jiff::civil::Date;
use rollcall_core::stats::pupil_tally;
use rollcall_core::{Calendar, DateRange, Procedures, PupilId, Register, Standing, Tally};

use crate::period::Period;
use crate::watch::{Watch, watch_list};

/// A pupil for the meeting to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseloadLine<'p> {
    /// The pupil.
    pub id: PupilId,
    /// Their stage, band and rating.
    pub standing: Standing<'p>,
    /// The stage's place in the graduated response (0 the first), if they are in one.
    pub stage: Option<usize>,
    /// The band's place among the bands (0 the best), if the school has bands.
    pub band: Option<usize>,
    /// Why they are to watch, if they are.
    pub watch: Option<Watch>,
    /// The year to date.
    pub year: Tally,
    /// The year as it stood on the day of the last meeting.
    pub at_last_meeting: Option<Tally>,
}

impl CaseloadLine<'_> {
    /// Attendance now less at the last meeting, in hundredths of a point.
    pub fn since_last_meeting(&self) -> Option<i64> {
        crate::gap(
            self.year.attendance_rate(),
            self.at_last_meeting?.attendance_rate(),
        )
    }
}

/// Every pupil on roll in a stage of the graduated response, in a band below the best, or
/// severely, persistently or on course to be persistently absent (not only persistent absence:
/// seed 001 §7(4) "all severities"),
/// the most serious first: by stage, then band, then attendance.
pub fn caseload<'p>(
    register: &Register,
    calendar: &Calendar,
    procedures: &'p Procedures,
    standing_of: impl Fn(PupilId) -> Standing<'p>,
    last_meeting: Option<Date>,
    today: Date,
) -> Vec<CaseloadLine<'p>> {
    let year = Period::YearToDate.range(calendar, today);
    let watched: BTreeMap<PupilId, Watch> = watch_list(register, calendar, today)
        .into_iter()
        // Patterns alone are for a closer look on the Analysis page, not yet for the meeting.
        .filter(|w| !matches!(w.watch, Watch::Improved | Watch::Patterns))
        .map(|w| (w.id, w.watch))
        .collect();
    let mut lines: Vec<CaseloadLine<'p>> = register
        .ids()
        .zip(register.pupils())
        .filter(|(_, p)| p.on_roll(today))
        .filter_map(|(id, _)| {
            let standing = standing_of(id);
            let stage = standing
                .stage
                .and_then(|(s, _)| procedures.stages.iter().position(|x| std::ptr::eq(x, s)));
            let band = standing
                .band
                .and_then(|b| procedures.bands.iter().position(|x| std::ptr::eq(x, b)));
            let watch = watched.get(&id).copied();
            if stage.is_none() && band.is_none_or(|b| b == 0) && watch.is_none() {
                return None;
            }
            let at_last_meeting =
                last_meeting
                    .filter(|d| *d >= year.first && *d < today)
                    .map(|last| {
                        pupil_tally(
                            register,
                            id,
                            DateRange {
                                first: year.first,
                                last,
                            },
                        )
                    });
            Some(CaseloadLine {
                id,
                standing,
                stage,
                band,
                watch,
                year: pupil_tally(register, id, year),
                at_last_meeting,
            })
        })
        .collect();
    lines.sort_by(|a, b| {
        b.stage
            .cmp(&a.stage)
            .then(b.band.cmp(&a.band))
            .then(a.year.attendance_rate().cmp(&b.year.attendance_rate()))
    });
    lines
}

/// A step taken for a pupil: the rule it completed and the day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The pupil.
    pub pupil: PupilId,
    /// The worklist rule and step: `stage.facilitate.letter_1`.
    pub rule: String,
    /// The day it was taken.
    pub on: Date,
}

/// What came after a step, over the pupils it was taken for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Impact {
    /// The rule and step.
    pub rule: String,
    /// Pupils it was taken for in the period.
    pub pupils: u64,
    /// Those with sessions both before and since, whose change can be measured.
    pub measured: u64,
    /// Those whose attendance since is higher than before.
    pub improved: u64,
    /// The mean change, in hundredths of a percentage point.
    pub mean_change: Option<i64>,
}

/// How a step's impact is measured, for a page to say.
pub const IMPACT_METHOD: &str = "For each pupil, attendance from the step's day to today against attendance this school year before it; improved when it is higher. A pupil counts once for each step, from the first time in the period.";

/// The impact of each step taken in `period` (its first time for each pupil), up to `today`.
pub fn impact(register: &Register, steps: &[Step], period: DateRange, today: Date) -> Vec<Impact> {
    let year_first = rollcall_core::AcademicYear::of(today).first_day();
    let mut first: BTreeMap<(&str, PupilId), Date> = BTreeMap::new();
    for step in steps.iter().filter(|s| period.contains(s.on)) {
        let on = first
            .entry((step.rule.as_str(), step.pupil))
            .or_insert(step.on);
        *on = (*on).min(step.on);
    }
    // Each rule's impact, and the sum of its measured changes.
    let mut by_rule: BTreeMap<&str, (Impact, i64)> = BTreeMap::new();
    for ((rule, pupil), on) in first {
        let (entry, sum) = by_rule.entry(rule).or_insert_with(|| {
            let impact = Impact {
                rule: rule.to_owned(),
                pupils: 0,
                measured: 0,
                improved: 0,
                mean_change: None,
            };
            (impact, 0)
        });
        entry.pupils += 1;
        let before = on
            .checked_sub(1.day())
            .ok()
            .filter(|d| *d >= year_first)
            .map(|last| {
                pupil_tally(
                    register,
                    pupil,
                    DateRange {
                        first: year_first,
                        last,
                    },
                )
            });
        let since = pupil_tally(
            register,
            pupil,
            DateRange {
                first: on,
                last: today,
            },
        );
        let Some(change) =
            before.and_then(|b| crate::gap(since.attendance_rate(), b.attendance_rate()))
        else {
            continue;
        };
        entry.measured += 1;
        entry.improved += u64::from(change > 0);
        *sum += change;
    }
    by_rule
        .into_values()
        .map(|(mut impact, sum)| {
            let measured = i64::try_from(impact.measured).unwrap_or(i64::MAX);
            impact.mean_change = (measured > 0).then(|| sum / measured);
            impact
        })
        .collect()
}
