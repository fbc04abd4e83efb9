//! The periods attendance is looked at over: the school week, the half term, the term, the year
//! to date, the last four weeks, or any dates; and the same period a year before.

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use rollcall_core::{AcademicYear, Calendar, DateRange};

/// A period, counted up to a day (`today`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Monday to `today` of the current week.
    Week,
    /// The current half term up to `today` (seed 001 Annex 4a is half-termly).
    HalfTerm,
    /// The current term up to `today`.
    Term,
    /// 1 September to `today`: the DfE's year-to-date figures.
    YearToDate,
    /// The 28 days to `today`.
    FourWeeks,
    /// Any dates.
    Dates(DateRange),
}

impl Period {
    /// The periods a page offers, with their ids.
    pub const NAMED: [Period; 5] = [
        Period::Week,
        Period::HalfTerm,
        Period::Term,
        Period::YearToDate,
        Period::FourWeeks,
    ];

    /// Its name in addresses.
    pub fn id(self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::HalfTerm => "half_term",
            Period::Term => "term",
            Period::YearToDate => "year",
            Period::FourWeeks => "four_weeks",
            Period::Dates(_) => "dates",
        }
    }

    /// Reads a named period.
    pub fn parse(id: &str) -> Option<Period> {
        Period::NAMED.into_iter().find(|p| p.id() == id)
    }

    /// How a person reads it.
    pub fn title(self) -> &'static str {
        match self {
            Period::Week => "This week",
            Period::HalfTerm => "This half term",
            Period::Term => "This term",
            Period::YearToDate => "This year to date",
            Period::FourWeeks => "The last four weeks",
            Period::Dates(_) => "Chosen dates",
        }
    }

    /// Its dates, up to `today`. In a holiday, the half term or term is the last one before it.
    pub fn range(self, calendar: &Calendar, today: Date) -> DateRange {
        let to_today = |first: Date| DateRange {
            first: first.min(today),
            last: today,
        };
        match self {
            Period::Week => {
                let back = i64::from(today.weekday().to_monday_zero_offset());
                to_today(today.checked_sub(back.days()).unwrap_or(today))
            }
            Period::FourWeeks => to_today(today.checked_sub(27.days()).unwrap_or(today)),
            Period::YearToDate => to_today(AcademicYear::of(today).first_day()),
            Period::Term | Period::HalfTerm => {
                let Some(term) = calendar
                    .terms()
                    .iter()
                    .filter(|t| t.dates.first <= today)
                    .max_by_key(|t| t.dates.first)
                else {
                    return to_today(today);
                };
                let first = match (self, term.half_term_break) {
                    (Period::HalfTerm, Some(gap)) if today > gap.last => calendar
                        .nth_school_day_after(gap.last, 1)
                        .unwrap_or(gap.last),
                    _ => term.dates.first,
                };
                let last = match (self, term.half_term_break) {
                    (Period::HalfTerm, Some(gap)) if today <= gap.last => {
                        gap.first.yesterday().unwrap_or(gap.first)
                    }
                    _ => term.dates.last,
                };
                DateRange {
                    first,
                    last: last.min(today),
                }
            }
            Period::Dates(range) => range,
        }
    }
}

/// The same dates a year before, for comparing with last year. A range that starts on a
/// weekday keeps to the same weekday (364 days back), so that a week is compared with a week.
pub fn last_year(range: DateRange) -> DateRange {
    let back = |d: Date| d.checked_sub(364.days()).unwrap_or(d);
    if range.first.weekday() == Weekday::Saturday || range.first.weekday() == Weekday::Sunday {
        let year = |d: Date| d.checked_sub(1.year()).unwrap_or(d);
        return DateRange {
            first: year(range.first),
            last: year(range.last),
        };
    }
    DateRange {
        first: back(range.first),
        last: back(range.last),
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use rollcall_core::Term;

    use super::*;

    fn calendar() -> Calendar {
        Calendar::from_terms(
            vec![Term {
                name: "Autumn 2025".into(),
                dates: DateRange {
                    first: date(2025, 9, 1),
                    last: date(2025, 12, 19),
                },
                half_term_break: Some(DateRange {
                    first: date(2025, 10, 27),
                    last: date(2025, 10, 31),
                }),
            }],
            Vec::new(),
        )
        .unwrap()
    }

    #[test]
    fn periods_end_today() {
        let range = |first, last| DateRange { first, last };
        let table = [
            (
                Period::Week,
                date(2025, 11, 13),
                range(date(2025, 11, 10), date(2025, 11, 13)),
            ),
            (
                Period::FourWeeks,
                date(2025, 11, 13),
                range(date(2025, 10, 17), date(2025, 11, 13)),
            ),
            (
                Period::YearToDate,
                date(2025, 11, 13),
                range(date(2025, 9, 1), date(2025, 11, 13)),
            ),
            (
                Period::Term,
                date(2025, 11, 13),
                range(date(2025, 9, 1), date(2025, 11, 13)),
            ),
            (
                Period::HalfTerm,
                date(2025, 11, 13),
                range(date(2025, 11, 3), date(2025, 11, 13)),
            ),
            (
                Period::HalfTerm,
                date(2025, 10, 8),
                range(date(2025, 9, 1), date(2025, 10, 8)),
            ),
            // In the half-term holiday: the half term just ended.
            (
                Period::HalfTerm,
                date(2025, 10, 29),
                range(date(2025, 9, 1), date(2025, 10, 26)),
            ),
            // In the Christmas holiday: the autumn term.
            (
                Period::Term,
                date(2025, 12, 30),
                range(date(2025, 9, 1), date(2025, 12, 19)),
            ),
        ];
        for (period, today, want) in table {
            assert_eq!(
                period.range(&calendar(), today),
                want,
                "{period:?} on {today}"
            );
        }
    }

    #[test]
    fn last_year_keeps_the_weekday() {
        let this = DateRange {
            first: date(2025, 11, 10),
            last: date(2025, 11, 14),
        };
        let before = last_year(this);
        assert_eq!(before.first, date(2024, 11, 11));
        assert_eq!(before.first.weekday(), this.first.weekday());
        let year = DateRange {
            first: date(2025, 9, 1),
            last: date(2025, 11, 14),
        };
        assert_eq!(last_year(year).first, date(2024, 9, 2));
    }
}
