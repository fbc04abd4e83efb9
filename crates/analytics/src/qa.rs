//! The half-termly quality-assurance report of seed 001 Annex 4a, its figures assembled from
//! the register: last year and this period for all pupils, pupil premium, SEND, EHCP and EAL,
//! the change since the same dates last year, the week-by-week table, and the context of the
//! persistently absent (holidays, part-time timetables, suspensions). Every figure comes from
//! the core's `summarise_by` and the tallies `report attendance` uses.

use jiff::civil::Date;
use rollcall_core::patterns::by_week;
use rollcall_core::{
    AcademicYear, Calendar, Code, DateRange, GroupSummary, Pupil, Rate, Register, SenStatus, Tally,
    summarise_by,
};

use crate::period::{Period, last_year};

/// Whether a pupil is in a group.
pub type InGroup = fn(&Pupil) -> bool;

/// The annex's groups: all pupils, pupil premium, SEND (SEN support or an EHC plan), EHCP, EAL.
pub const QA_GROUPS: [(&str, InGroup); 5] = [
    ("All pupils", |_| true),
    ("Pupil premium", |p| p.pupil_premium),
    ("SEND", |p| p.sen != SenStatus::None),
    ("EHCP", |p| p.sen == SenStatus::Ehcp),
    ("EAL", |p| p.eal),
];

/// One group's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QaGroup {
    /// The group.
    pub name: &'static str,
    /// The whole of last school year.
    pub last_year: GroupSummary<()>,
    /// This period.
    pub now: GroupSummary<()>,
    /// The same dates last year.
    pub same_dates: GroupSummary<()>,
}

impl QaGroup {
    /// This period's attendance less the same dates' last year, in hundredths of a point.
    pub fn change(&self) -> Option<i64> {
        crate::gap(
            self.now.tally.attendance_rate(),
            self.same_dates.tally.attendance_rate(),
        )
    }
}

/// The persistently absent this period, and what their absence was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PaContext {
    /// Persistently absent pupils.
    pub pupils: u64,
    /// Of all pupils with possible sessions.
    pub share: Option<Rate>,
    /// Of them, pupil premium.
    pub pupil_premium: u64,
    /// With a holiday the school did not grant (G).
    pub holidays: u64,
    /// On a part-time timetable (C2).
    pub part_time: u64,
    /// Suspended or excluded (E).
    pub suspended: u64,
}

/// A week of the period: this year, and the same week last year.
pub type QaWeek = (Date, Tally, Option<Tally>);

/// The annex's figures over a period up to `today`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QaFigures {
    /// The period.
    pub range: DateRange,
    /// Last school year.
    pub last_year: DateRange,
    /// Each group.
    pub groups: Vec<QaGroup>,
    /// Week by week.
    pub weeks: Vec<QaWeek>,
    /// The persistently absent.
    pub persistent: PaContext,
}

fn group(register: &Register, range: DateRange, chosen: InGroup) -> GroupSummary<()> {
    summarise_by(register, range, |_, p| chosen(p).then_some(()))
        .pop()
        .unwrap_or_else(|| GroupSummary::new(()))
}

/// The annex's figures for a period up to `today`.
pub fn qa_figures(
    register: &Register,
    calendar: &Calendar,
    period: Period,
    today: Date,
) -> QaFigures {
    let range = period.range(calendar, today);
    let before = AcademicYear::of(range.first);
    let previous = AcademicYear::of(before.first_day().yesterday().unwrap_or(before.first_day()));
    let whole_last_year = DateRange {
        first: previous.first_day(),
        last: previous.last_day(),
    };
    let same_dates = last_year(range);
    let groups = QA_GROUPS
        .iter()
        .map(|(name, chosen)| QaGroup {
            name,
            last_year: group(register, whole_last_year, *chosen),
            now: group(register, range, *chosen),
            same_dates: group(register, same_dates, *chosen),
        })
        .collect();
    let then: Vec<(Date, Tally)> = by_week(register, same_dates);
    let weeks = by_week(register, range)
        .into_iter()
        .enumerate()
        .map(|(i, (monday, tally))| (monday, tally, then.get(i).map(|(_, t)| *t)))
        .collect();
    QaFigures {
        range,
        last_year: whole_last_year,
        groups,
        weeks,
        persistent: pa_context(register, range),
    }
}

fn pa_context(register: &Register, range: DateRange) -> PaContext {
    let pupils = summarise_by(register, range, |id, _| Some(id));
    let mut context = PaContext::default();
    let with_possible = pupils.iter().filter(|p| p.tally.possible > 0).count();
    for p in pupils.iter().filter(|p| p.persistent > 0) {
        context.pupils += 1;
        let (_, codes) = register.row(p.key).within(range);
        let has = |code: Code| codes.iter().any(|b| Code::from_byte(*b) == Some(code));
        context.pupil_premium += u64::from(register.pupil(p.key).is_some_and(|x| x.pupil_premium));
        context.holidays += u64::from(has(Code::Holiday));
        context.part_time += u64::from(has(Code::PartTimeTimetable));
        context.suspended += u64::from(has(Code::Excluded));
    }
    context.share = Rate::new(context.pupils, u64::try_from(with_possible).unwrap_or(0));
    context
}
