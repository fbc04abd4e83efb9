//! The signs in one pupil's marks that the seeds ask staff to look for (seed 001 §6: "look at
//! all severities of absence"; §"Monitoring": "patterns in uses of certain codes, days of poor
//! attendance"): spells of absence, absence that keeps falling on a Monday or a Friday, absence
//! next to the holidays, and this half term against the last.
//!
//! Each rule is a constant below, so that a page can say how it was found.

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use rollcall_core::stats::pupil_tally;
use rollcall_core::{Calendar, Category, Code, DateRange, PupilId, Register, Slot, Tally};

use crate::period::Period;

/// A spell is this many possible sessions of absence in a row or more (three school days),
/// passing over sessions that are not possible (closures, not on roll) and ended by any session
/// attended.
pub const SPELL_SESSIONS: u32 = 6;

/// A weekday is a pattern when the pupil missed some of it on at least this many of its days…
pub const REPEATED_DAYS: u32 = 3;

/// …and missed it at least twice as often as the other weekdays.
pub const REPEATED_FACTOR: u32 = 2;

/// A school day is next to a holiday when the school day before or after it is more than this
/// many days away (a break longer than a weekend: half term, the end of term, a bank holiday).
pub const HOLIDAY_GAP_DAYS: i32 = 3;

/// How far back the last half term's final school day is looked for: past any holiday.
const HOLIDAY_SEARCH_DAYS: i64 = 60;

/// Absence next to holidays is a pattern from this many such days (a year has a dozen or so;
/// a pupil missing nine days at random meets three about one time in fifty).
pub const AROUND_HOLIDAYS: usize = 3;

/// This half term is worse than the last when attendance fell by this many hundredths of a
/// percentage point or more.
pub const WORSENING_HUNDREDTHS: i64 = 200;

/// Consecutive sessions of absence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spell {
    /// The first session missed.
    pub first: Slot,
    /// The last.
    pub last: Slot,
    /// Possible sessions missed.
    pub sessions: u32,
}

/// How often a weekday was missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    /// The weekday.
    pub weekday: Weekday,
    /// Its school days with a possible session.
    pub days: u32,
    /// Those with some absence.
    pub missed: u32,
}

/// The signs in a pupil's marks this school year up to `today`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signs {
    /// Spells of [`SPELL_SESSIONS`] or more, the latest first.
    pub spells: Vec<Spell>,
    /// Monday to Friday.
    pub days: Vec<Day>,
    /// The weekdays missed repeatedly (see [`REPEATED_DAYS`]).
    pub repeated: Vec<Weekday>,
    /// School days next to a holiday with some absence.
    pub around_holidays: Vec<Date>,
    /// This half term so far.
    pub this_half: Tally,
    /// The half term before it, if it was this school year.
    pub last_half: Option<Tally>,
}

impl Signs {
    /// Whether absence next to holidays is a pattern (see [`AROUND_HOLIDAYS`]).
    pub fn holiday_pattern(&self) -> bool {
        self.around_holidays.len() >= AROUND_HOLIDAYS
    }

    /// This half term's attendance less the last's, in hundredths of a point.
    pub fn change(&self) -> Option<i64> {
        crate::gap(
            self.this_half.attendance_rate(),
            self.last_half?.attendance_rate(),
        )
    }

    /// Whether attendance is falling (see [`WORSENING_HUNDREDTHS`]).
    pub fn worsening(&self) -> bool {
        self.change().is_some_and(|c| c <= -WORSENING_HUNDREDTHS)
    }

    /// Whether any sign is there, for a list of pupils to look at.
    pub fn any(&self) -> bool {
        !self.spells.is_empty()
            || !self.repeated.is_empty()
            || self.holiday_pattern()
            || self.worsening()
    }
}

/// Whether a code is a possible session missed, attended, or neither.
fn missed(code: Code) -> Option<bool> {
    match code.category() {
        Category::Authorised | Category::Unauthorised => Some(true),
        Category::Present | Category::ApprovedActivity => Some(false),
        Category::NotCounted | Category::Administrative => None,
    }
}

/// Whether a school day is next to a holiday.
fn next_to_holiday(calendar: &Calendar, day: Date) -> bool {
    let near = |step: i32| {
        (1..=HOLIDAY_GAP_DAYS).any(|n| {
            day.checked_add((step * n).days())
                .is_ok_and(|d| calendar.is_school_day(d))
        })
    };
    !near(-1) || !near(1)
}

/// The signs in one pupil's marks this school year up to `today`.
pub fn signs(register: &Register, calendar: &Calendar, id: PupilId, today: Date) -> Signs {
    let year = Period::YearToDate.range(calendar, today);
    let (first, codes) = register.row(id).within(year);
    let mut spells: Vec<Spell> = Vec::new();
    let mut current: Option<Spell> = None;
    // Each school day with a possible session: whether some of it was missed.
    let mut days: Vec<(Date, bool)> = Vec::new();
    for (i, byte) in codes.iter().enumerate() {
        let Some(slot) = i32::try_from(i).ok().map(|i| Slot(first.0 + i)) else {
            continue;
        };
        let Some(missed) = Code::from_byte(*byte).and_then(missed) else {
            continue;
        };
        let date = slot.key().date;
        match days.last_mut() {
            Some((d, any)) if *d == date => *any |= missed,
            _ => days.push((date, missed)),
        }
        current = match (missed, current) {
            (true, Some(spell)) => Some(Spell {
                last: slot,
                sessions: spell.sessions + 1,
                ..spell
            }),
            (true, None) => Some(Spell {
                first: slot,
                last: slot,
                sessions: 1,
            }),
            (false, spell) => {
                spells.extend(spell.filter(|s| s.sessions >= SPELL_SESSIONS));
                None
            }
        };
    }
    spells.extend(current.filter(|s| s.sessions >= SPELL_SESSIONS));
    spells.reverse();

    let weekdays = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
    ];
    let by_day: Vec<Day> = weekdays
        .iter()
        .map(|&weekday| {
            let on = days.iter().filter(|(d, _)| d.weekday() == weekday);
            Day {
                weekday,
                days: u32::try_from(on.clone().count()).unwrap_or(u32::MAX),
                missed: u32::try_from(on.filter(|(_, m)| *m).count()).unwrap_or(u32::MAX),
            }
        })
        .collect();
    let repeated = by_day
        .iter()
        .filter(|d| matches!(d.weekday, Weekday::Monday | Weekday::Friday))
        .filter(|d| {
            let (others_missed, others) = by_day
                .iter()
                .filter(|o| o.weekday != d.weekday)
                .fold((0u64, 0u64), |(m, n), o| {
                    (m + u64::from(o.missed), n + u64::from(o.days))
                });
            // missed/days ≥ FACTOR × others_missed/others, in whole numbers.
            d.missed >= REPEATED_DAYS
                && u64::from(d.missed) * others
                    >= u64::from(REPEATED_FACTOR) * others_missed * u64::from(d.days)
        })
        .map(|d| d.weekday)
        .collect();
    let around_holidays = days
        .iter()
        .filter(|(d, m)| *m && next_to_holiday(calendar, *d))
        .map(|(d, _)| *d)
        .collect();

    let half = Period::HalfTerm.range(calendar, today);
    // Half terms come from the school's terms; a calendar read from marks alone has none.
    let last_half = (1..=HOLIDAY_SEARCH_DAYS)
        .filter_map(|n| half.first.checked_sub(n.days()).ok())
        .find(|d| calendar.is_school_day(*d))
        .filter(|d| *d >= year.first && !calendar.terms().is_empty())
        .map(|before| Period::HalfTerm.range(calendar, before))
        .filter(|r| r.first >= year.first && r.last < half.first)
        .map(|r: DateRange| pupil_tally(register, id, r));
    Signs {
        spells,
        days: by_day,
        repeated,
        around_holidays,
        this_half: pupil_tally(register, id, half),
        last_half,
    }
}
