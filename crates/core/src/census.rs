//! The school census's attendance periods: each census collects one term's attendance, one term
//! in arrears (statutory.md §4; the DfE's school census guide): the autumn term (1 August to
//! 31 December), the spring term (1 January to Easter Sunday), and the summer term in two halves,
//! collected separately (Easter Monday to the Sunday before the spring bank holiday, and the
//! spring bank holiday to 31 July).

use jiff::ToSpan;
use jiff::civil::{Date, Weekday, date};

use crate::calendar::{AcademicYear, DateRange};

/// Easter Sunday (the anonymous Gregorian algorithm).
pub fn easter_sunday(year: i16) -> Date {
    let y = i32::from(year);
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = i8::try_from((h + l - 7 * m + 114) / 31).unwrap_or(4);
    let day = i8::try_from((h + l - 7 * m + 114) % 31 + 1).unwrap_or(1);
    Date::new(year, month, day).unwrap_or(date(year, 4, 1))
}

/// The spring bank holiday: the last Monday in May.
pub fn spring_bank_holiday(year: i16) -> Date {
    let may = Date::new(year, 5, 31).unwrap_or(date(2000, 5, 31));
    may.nth_weekday_of_month(-1, Weekday::Monday).unwrap_or(may)
}

/// A census's attendance period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CensusTerm {
    /// The autumn term, collected in the spring census.
    Autumn,
    /// The spring term, collected in the summer census.
    Spring,
    /// The summer term's first half, collected in the autumn census.
    SummerFirstHalf,
    /// The summer term's second half, collected separately in the autumn census.
    SummerSecondHalf,
}

impl CensusTerm {
    /// Every term, in the school year's order.
    pub const ALL: [CensusTerm; 4] = [
        CensusTerm::Autumn,
        CensusTerm::Spring,
        CensusTerm::SummerFirstHalf,
        CensusTerm::SummerSecondHalf,
    ];

    /// Its name in data.
    pub fn id(self) -> &'static str {
        match self {
            CensusTerm::Autumn => "autumn",
            CensusTerm::Spring => "spring",
            CensusTerm::SummerFirstHalf => "summer1",
            CensusTerm::SummerSecondHalf => "summer2",
        }
    }

    /// Reads its name.
    pub fn parse(id: &str) -> Option<CensusTerm> {
        CensusTerm::ALL.into_iter().find(|t| t.id() == id)
    }

    /// How the office knows it.
    pub fn title(self) -> &'static str {
        match self {
            CensusTerm::Autumn => "Autumn term (spring census)",
            CensusTerm::Spring => "Spring term (summer census)",
            CensusTerm::SummerFirstHalf => "Summer term, first half (autumn census)",
            CensusTerm::SummerSecondHalf => "Summer term, second half (autumn census)",
        }
    }

    /// Its dates in a school year.
    pub fn dates(self, year: AcademicYear) -> DateRange {
        let first = year.first_day();
        let autumn = first.year();
        let spring = autumn + 1;
        let easter = easter_sunday(spring);
        let bank = spring_bank_holiday(spring);
        let day = |d: Result<Date, jiff::Error>| d.unwrap_or(first);
        let (first, last) = match self {
            CensusTerm::Autumn => (date(autumn, 8, 1), date(autumn, 12, 31)),
            CensusTerm::Spring => (date(spring, 1, 1), easter),
            CensusTerm::SummerFirstHalf => (
                day(easter.checked_add(1.day())),
                day(bank.checked_sub(1.day())),
            ),
            CensusTerm::SummerSecondHalf => (bank, date(spring, 7, 31)),
        };
        DateRange { first, last }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn easter_and_the_spring_bank_holiday() {
        for (year, easter, bank) in [
            (2024, date(2024, 3, 31), date(2024, 5, 27)),
            (2026, date(2026, 4, 5), date(2026, 5, 25)),
            (2027, date(2027, 3, 28), date(2027, 5, 31)),
            (2038, date(2038, 4, 25), date(2038, 5, 31)),
        ] {
            assert_eq!(easter_sunday(year), easter, "{year}");
            assert_eq!(spring_bank_holiday(year), bank, "{year}");
        }
    }

    #[test]
    fn the_census_periods_of_2025_26() {
        // statutory.md §4: Easter Sunday 2026 is 5 April, the spring bank holiday 25 May.
        let year = AcademicYear::of(date(2025, 9, 1));
        let got: Vec<(Date, Date)> = CensusTerm::ALL
            .iter()
            .map(|t| {
                let d = t.dates(year);
                (d.first, d.last)
            })
            .collect();
        assert_eq!(
            got,
            [
                (date(2025, 8, 1), date(2025, 12, 31)),
                (date(2026, 1, 1), date(2026, 4, 5)),
                (date(2026, 4, 6), date(2026, 5, 24)),
                (date(2026, 5, 25), date(2026, 7, 31)),
            ]
        );
    }
}
