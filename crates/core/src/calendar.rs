//! The school calendar: academic years, terms and half terms, planned closures, school days and
//! school weeks.
//!
//! A calendar comes from a school's policy (its terms, half-term breaks and closures) or, when
//! there is none, is inferred from the register: a session is open when at least one pupil has a
//! mark other than `#` for it (issue 2, item 4).

use std::fmt;

use jiff::civil::{Date, Weekday, date};
use thiserror::Error;

use crate::session::{Day, Session, Slot};

/// An academic year, 1 September to 31 August, named by the calendar year it starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AcademicYear(pub i16);

impl AcademicYear {
    /// The academic year a date falls in.
    pub fn of(date: Date) -> AcademicYear {
        if date.month() >= 9 {
            AcademicYear(date.year())
        } else {
            AcademicYear(date.year() - 1)
        }
    }

    /// 1 September.
    pub fn first_day(self) -> Date {
        date(self.0, 9, 1)
    }

    /// 31 August of the following calendar year.
    pub fn last_day(self) -> Date {
        date(self.0 + 1, 8, 31)
    }
}

impl fmt::Display for AcademicYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{:02}", self.0, (self.0 + 1).rem_euclid(100))
    }
}

/// An inclusive range of dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    /// The first date in the range.
    pub first: Date,
    /// The last date in the range.
    pub last: Date,
}

impl DateRange {
    /// Whether the range includes `date`.
    pub fn contains(&self, date: Date) -> bool {
        self.first <= date && date <= self.last
    }
}

impl fmt::Display for DateRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} to {}", self.first, self.last)
    }
}

/// A term, such as "Autumn 2025", with its half-term break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The term's name.
    pub name: String,
    /// The first and last dates of the term.
    pub dates: DateRange,
    /// The half-term break, if the term has one; it divides the term into two half terms.
    pub half_term_break: Option<DateRange>,
}

/// Which sessions of a day something applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sessions {
    /// The morning only.
    Am,
    /// The afternoon only.
    Pm,
    /// The whole day.
    Both,
}

impl Sessions {
    fn mask(self) -> u8 {
        match self {
            Sessions::Am => AM,
            Sessions::Pm => PM,
            Sessions::Both => AM | PM,
        }
    }
}

/// A planned closure (`#`) within a term: INSET days, bank holidays, polling days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    /// The date closed.
    pub date: Date,
    /// Which sessions are closed.
    pub sessions: Sessions,
    /// Why, as the school would say it.
    pub reason: String,
}

/// One half of a term: the school days before or after its half-term break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HalfTerm<'a> {
    /// The term.
    pub term: &'a Term,
    /// 1 for the half before the break, 2 for the half after it.
    pub half: u8,
}

/// Why a calendar cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalendarError {
    /// A calendar needs at least one term.
    #[error("the calendar has no terms")]
    NoTerms,
    /// A term ends before it starts.
    #[error("term {term:?} ends ({last}) before it starts ({first})")]
    Backwards {
        /// The term.
        term: String,
        /// Its start.
        first: Date,
        /// Its end.
        last: Date,
    },
    /// Terms must be in date order and not overlap.
    #[error("term {term:?} starts on {first}, before the previous term ends")]
    Overlap {
        /// The later term.
        term: String,
        /// Its start.
        first: Date,
    },
    /// A half-term break must lie strictly inside its term.
    #[error("the half-term break of {term:?} ({range}) is not inside the term")]
    BreakOutsideTerm {
        /// The term.
        term: String,
        /// The break.
        range: DateRange,
    },
    /// A closure on a day that is not a school day anyway.
    #[error("the closure on {date} ({reason}) is not on a school day of any term")]
    ClosureNotSchoolDay {
        /// The date.
        date: Date,
        /// Its reason.
        reason: String,
    },
}

const AM: u8 = 1;
const PM: u8 = 2;

fn session_bit(session: Session) -> u8 {
    match session {
        Session::Am => AM,
        Session::Pm => PM,
    }
}

/// Which sessions a school is open, day by day, with the weeks and terms they make up.
#[derive(Debug, Clone)]
pub struct Calendar {
    first: Day,
    /// Per day from `first`: bit 0 set when the morning is a school session, bit 1 the afternoon.
    open: Vec<u8>,
    terms: Vec<Term>,
    closures: Vec<Closure>,
    /// School days in `[first, first + i)`, for counting school days between two dates.
    school_days_before: Vec<u32>,
    /// Per day from `first`: the index in `weeks` of its school week.
    week_of_day: Vec<Option<u32>>,
    /// The Monday of each school week, in order.
    weeks: Vec<Day>,
}

impl Calendar {
    /// Builds a calendar from terms (weekdays are school days), half-term breaks and closures.
    pub fn from_terms(terms: Vec<Term>, closures: Vec<Closure>) -> Result<Calendar, CalendarError> {
        let (Some(first_term), Some(last_term)) = (terms.first(), terms.last()) else {
            return Err(CalendarError::NoTerms);
        };
        let first = Day::of(first_term.dates.first);
        let last = Day::of(last_term.dates.last);
        let mut open = vec![0u8; usize::try_from(last.0 - first.0 + 1).unwrap_or(0)];
        let mut previous_end: Option<Date> = None;
        for term in &terms {
            let DateRange {
                first: start,
                last: end,
            } = term.dates;
            if end < start {
                return Err(CalendarError::Backwards {
                    term: term.name.clone(),
                    first: start,
                    last: end,
                });
            }
            if previous_end.is_some_and(|p| start <= p) {
                return Err(CalendarError::Overlap {
                    term: term.name.clone(),
                    first: start,
                });
            }
            previous_end = Some(end);
            if let Some(gap) = term.half_term_break
                && (gap.first <= start || gap.last >= end || gap.last < gap.first)
            {
                return Err(CalendarError::BreakOutsideTerm {
                    term: term.name.clone(),
                    range: gap,
                });
            }
            for day in Day::of(start).0..=Day::of(end).0 {
                let day = Day(day);
                let weekend = matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday);
                let on_break = term
                    .half_term_break
                    .is_some_and(|gap| gap.contains(day.date()));
                if !weekend
                    && !on_break
                    && let Some(cell) = open.get_mut(index(first, day))
                {
                    *cell = AM | PM;
                }
            }
        }
        for closure in &closures {
            let day = Day::of(closure.date);
            let cell = if day < first {
                None
            } else {
                open.get_mut(index(first, day))
            };
            match cell {
                Some(cell) if *cell & closure.sessions.mask() != 0 => {
                    *cell &= !closure.sessions.mask();
                }
                _ => {
                    return Err(CalendarError::ClosureNotSchoolDay {
                        date: closure.date,
                        reason: closure.reason.clone(),
                    });
                }
            }
        }
        Ok(Calendar::build(first, open, terms, closures))
    }

    /// Builds a calendar from the sessions known to be open, as inferred from a register.
    pub fn from_open_slots(slots: impl IntoIterator<Item = Slot>) -> Calendar {
        let slots: Vec<Slot> = slots.into_iter().collect();
        let (Some(min), Some(max)) = (slots.iter().min(), slots.iter().max()) else {
            return Calendar::build(Day(0), Vec::new(), Vec::new(), Vec::new());
        };
        let first = min.day();
        let mut open = vec![0u8; usize::try_from(max.day().0 - first.0 + 1).unwrap_or(0)];
        for slot in slots {
            if let Some(cell) = open.get_mut(index(first, slot.day())) {
                *cell |= session_bit(slot.session());
            }
        }
        Calendar::build(first, open, Vec::new(), Vec::new())
    }

    fn build(first: Day, open: Vec<u8>, terms: Vec<Term>, closures: Vec<Closure>) -> Calendar {
        let mut school_days_before = Vec::with_capacity(open.len() + 1);
        let mut running = 0u32;
        school_days_before.push(running);
        for &cell in &open {
            running += u32::from(cell != 0);
            school_days_before.push(running);
        }
        let mut weeks = Vec::new();
        let mut week_of_day = vec![None; open.len()];
        for (i, &cell) in open.iter().enumerate() {
            if cell == 0 {
                continue;
            }
            let monday = first.plus(i32::try_from(i).unwrap_or(i32::MAX)).monday();
            if weeks.last() != Some(&monday) {
                weeks.push(monday);
            }
        }
        for (i, slot) in week_of_day.iter_mut().enumerate() {
            let monday = first.plus(i32::try_from(i).unwrap_or(i32::MAX)).monday();
            *slot = weeks
                .binary_search(&monday)
                .ok()
                .and_then(|w| u32::try_from(w).ok());
        }
        Calendar {
            first,
            open,
            terms,
            closures,
            school_days_before,
            week_of_day,
            weeks,
        }
    }

    #[inline]
    fn cell(&self, day: Day) -> u8 {
        if day < self.first {
            return 0;
        }
        self.open.get(index(self.first, day)).copied().unwrap_or(0)
    }

    /// Whether the school is open for this session.
    #[inline]
    pub fn is_open(&self, slot: Slot) -> bool {
        self.cell(slot.day()) & session_bit(slot.session()) != 0
    }

    /// Whether the day has at least one school session.
    pub fn is_school_day(&self, date: Date) -> bool {
        self.cell(Day::of(date)) != 0
    }

    /// Whether a numbered day has at least one school session.
    pub fn is_school_day_number(&self, day: Day) -> bool {
        self.cell(day) != 0
    }

    fn school_days_up_to(&self, day: Day) -> u32 {
        if day < self.first {
            return 0;
        }
        let i = index(self.first, day) + 1;
        let clamped = i.min(self.school_days_before.len().saturating_sub(1));
        self.school_days_before.get(clamped).copied().unwrap_or(0)
    }

    /// The number of school days after `after` up to and including `upto`.
    pub fn school_days_between(&self, after: Day, upto: Day) -> u32 {
        self.school_days_up_to(upto)
            .saturating_sub(self.school_days_up_to(after))
    }

    /// The `n`th school day after `date` (the 1st is the next school day), if the calendar
    /// reaches that far.
    pub fn nth_school_day_after(&self, date: Date, n: u32) -> Option<Date> {
        let mut day = Day::of(date);
        let mut counted = 0;
        let end = self.first.plus(i32::try_from(self.open.len()).unwrap_or(0));
        while counted < n {
            day = day.plus(1);
            if day >= end {
                return None;
            }
            counted += u32::from(self.cell(day) != 0);
        }
        Some(day.date())
    }

    /// The index of the school week (a Monday-to-Sunday week with at least one school session)
    /// that a day falls in, counting from the first school week of the calendar.
    #[inline]
    pub fn school_week(&self, day: Day) -> Option<u32> {
        if day < self.first {
            return None;
        }
        self.week_of_day
            .get(index(self.first, day))
            .copied()
            .flatten()
    }

    /// The Mondays of the school weeks, in order.
    pub fn school_weeks(&self) -> &[Day] {
        &self.weeks
    }

    /// The first and last school days.
    pub fn span(&self) -> Option<DateRange> {
        let first = self.open.iter().position(|&c| c != 0)?;
        let last = self.open.iter().rposition(|&c| c != 0)?;
        let at = |i: usize| self.first.plus(i32::try_from(i).unwrap_or(0)).date();
        Some(DateRange {
            first: at(first),
            last: at(last),
        })
    }

    /// The number of school days in a range.
    pub fn school_days_in(&self, range: DateRange) -> u32 {
        self.school_days_between(Day::of(range.first).plus(-1), Day::of(range.last))
    }

    /// The school sessions in a range, in order.
    pub fn school_sessions(&self, range: DateRange) -> impl Iterator<Item = Slot> + '_ {
        let first = Slot::new(range.first, Session::Am).0;
        let last = Slot::new(range.last, Session::Pm).0;
        (first..=last).map(Slot).filter(|&s| self.is_open(s))
    }

    /// The terms, when the calendar came from a policy.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// The planned closures, when the calendar came from a policy.
    pub fn closures(&self) -> &[Closure] {
        &self.closures
    }

    /// The half term a date falls in.
    pub fn half_term_of(&self, date: Date) -> Option<HalfTerm<'_>> {
        let term = self.terms.iter().find(|t| t.dates.contains(date))?;
        let half = match term.half_term_break {
            Some(gap) if date > gap.last => 2,
            Some(gap) if date >= gap.first => return None,
            _ => 1,
        };
        Some(HalfTerm { term, half })
    }
}

fn index(first: Day, day: Day) -> usize {
    usize::try_from(day.0 - first.0).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(first: Date, last: Date) -> DateRange {
        DateRange { first, last }
    }

    /// Autumn and spring 2025/26 with their half terms, an INSET day and a PM-only closure.
    fn calendar() -> Calendar {
        Calendar::from_terms(
            vec![
                Term {
                    name: "Autumn 2025".into(),
                    dates: range(date(2025, 9, 1), date(2025, 12, 19)),
                    half_term_break: Some(range(date(2025, 10, 27), date(2025, 10, 31))),
                },
                Term {
                    name: "Spring 2026".into(),
                    dates: range(date(2026, 1, 5), date(2026, 3, 27)),
                    half_term_break: Some(range(date(2026, 2, 16), date(2026, 2, 20))),
                },
            ],
            vec![
                Closure {
                    date: date(2025, 9, 1),
                    sessions: Sessions::Both,
                    reason: "INSET".into(),
                },
                Closure {
                    date: date(2025, 12, 19),
                    sessions: Sessions::Pm,
                    reason: "End of term".into(),
                },
            ],
        )
        .unwrap()
    }

    #[test]
    fn school_days() {
        let c = calendar();
        let table: &[(Date, bool)] = &[
            (date(2025, 9, 1), false),   // INSET
            (date(2025, 9, 2), true),    // first day for pupils
            (date(2025, 9, 6), false),   // Saturday
            (date(2025, 10, 28), false), // half term
            (date(2025, 12, 19), true),  // morning only
            (date(2025, 12, 22), false), // Christmas
            (date(2026, 1, 5), true),
        ];
        for &(d, expect) in table {
            assert_eq!(c.is_school_day(d), expect, "{d}");
        }
        assert!(c.is_open(Slot::new(date(2025, 12, 19), Session::Am)));
        assert!(!c.is_open(Slot::new(date(2025, 12, 19), Session::Pm)));
        // Autumn: 16 weeks less one for half term = 75 weekdays, less the INSET day.
        assert_eq!(
            c.school_days_in(range(date(2025, 9, 1), date(2025, 12, 31))),
            74
        );
        assert_eq!(
            c.span().unwrap(),
            range(date(2025, 9, 2), date(2026, 3, 27))
        );
    }

    #[test]
    fn nth_school_day_after() {
        let c = calendar();
        let table: &[(Date, u32, Option<Date>)] = &[
            (date(2025, 9, 2), 1, Some(date(2025, 9, 3))),
            (date(2025, 9, 5), 1, Some(date(2025, 9, 8))), // over a weekend
            (date(2025, 10, 24), 1, Some(date(2025, 11, 3))), // over half term
            (date(2025, 10, 22), 5, Some(date(2025, 11, 5))),
            (date(2025, 12, 18), 2, Some(date(2026, 1, 5))), // over Christmas
            (date(2026, 3, 27), 1, None),                    // past the calendar
        ];
        for &(from, n, expect) in table {
            assert_eq!(c.nth_school_day_after(from, n), expect, "{from} + {n}");
        }
        let wed = Day::of(date(2025, 10, 22));
        assert_eq!(c.school_days_between(wed, Day::of(date(2025, 11, 5))), 5);
        assert_eq!(c.school_days_between(wed, wed), 0);
    }

    #[test]
    fn school_weeks_skip_holidays() {
        let c = calendar();
        let week = |d| c.school_week(Day::of(d));
        assert_eq!(week(date(2025, 9, 1)), Some(0)); // the INSET Monday is in week 0
        assert_eq!(week(date(2025, 9, 7)), Some(0)); // Sunday belongs to its Monday's week
        assert_eq!(week(date(2025, 10, 24)), Some(7));
        assert_eq!(week(date(2025, 10, 29)), None); // half term is not a school week
        assert_eq!(week(date(2025, 11, 3)), Some(8));
        assert_eq!(week(date(2025, 12, 29)), None);
        assert_eq!(week(date(2026, 1, 5)), Some(15));
        assert_eq!(c.school_weeks().len(), 15 + 11);
    }

    #[test]
    fn half_terms() {
        let c = calendar();
        let half = |d| c.half_term_of(d).map(|h| (h.term.name.clone(), h.half));
        assert_eq!(half(date(2025, 10, 1)), Some(("Autumn 2025".into(), 1)));
        assert_eq!(half(date(2025, 11, 3)), Some(("Autumn 2025".into(), 2)));
        assert_eq!(half(date(2025, 10, 28)), None);
        assert_eq!(half(date(2025, 12, 25)), None);
    }

    #[test]
    fn bad_calendars() {
        let term = |name: &str, a, b| Term {
            name: name.into(),
            dates: range(a, b),
            half_term_break: None,
        };
        let table: Vec<(Vec<Term>, Vec<Closure>, &str)> = vec![
            (vec![], vec![], "no terms"),
            (
                vec![term("Autumn", date(2025, 12, 19), date(2025, 9, 1))],
                vec![],
                "ends (2025-09-01) before it starts",
            ),
            (
                vec![
                    term("Autumn", date(2025, 9, 1), date(2025, 12, 19)),
                    term("Spring", date(2025, 12, 19), date(2026, 3, 27)),
                ],
                vec![],
                "before the previous term ends",
            ),
            (
                vec![term("Autumn", date(2025, 9, 1), date(2025, 12, 19))],
                vec![Closure {
                    date: date(2025, 9, 6),
                    sessions: Sessions::Both,
                    reason: "INSET".into(),
                }],
                "not on a school day",
            ),
        ];
        for (terms, closures, message) in table {
            let err = Calendar::from_terms(terms, closures).unwrap_err();
            assert!(err.to_string().contains(message), "{err}");
        }
    }

    #[test]
    fn inferred() {
        let slots = [
            Slot::new(date(2025, 9, 3), Session::Am),
            Slot::new(date(2025, 9, 3), Session::Pm),
            Slot::new(date(2025, 9, 5), Session::Am),
        ];
        let c = Calendar::from_open_slots(slots);
        assert!(c.is_school_day(date(2025, 9, 3)));
        assert!(!c.is_school_day(date(2025, 9, 4)));
        assert!(!c.is_open(Slot::new(date(2025, 9, 5), Session::Pm)));
        assert_eq!(c.school_weeks().len(), 1);
        assert_eq!(AcademicYear::of(date(2025, 8, 31)).to_string(), "2024/25");
        assert_eq!(AcademicYear::of(date(2025, 9, 1)).to_string(), "2025/26");
        assert_eq!(AcademicYear(1999).to_string(), "1999/00");
    }
}
