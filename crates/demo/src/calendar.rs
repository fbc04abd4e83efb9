//! A typical English school year for any academic year: the pattern most local authorities
//! publish, with 195 days in term of which 5 are INSET days, leaving the 190 days (380 sessions)
//! schools must meet (statutory.md §5).

use jiff::ToSpan;
use jiff::civil::{Date, Weekday, date};
use rollcall_core::{AcademicYear, Closure, DateRange, Sessions, Term};

/// Days in term, INSET days included.
const DAYS_IN_TERM: i32 = 195;

pub use rollcall_core::census::easter_sunday;

fn add_days(d: Date, n: i32) -> Date {
    d.checked_add(n.days()).unwrap_or(d)
}

/// The first `weekday` on or after `d`.
fn on_or_after(d: Date, weekday: Weekday) -> Date {
    add_days(d, i32::from(d.weekday().until(weekday)))
}

/// The last `weekday` on or before `d`.
fn on_or_before(d: Date, weekday: Weekday) -> Date {
    add_days(d, -i32::from(weekday.until(d.weekday())))
}

fn week(monday: Date) -> DateRange {
    DateRange {
        first: monday,
        last: add_days(monday, 4),
    }
}

fn weekdays(range: DateRange) -> i32 {
    let mut n = 0;
    let mut d = range.first;
    while d <= range.last {
        n += i32::from(!matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday));
        d = add_days(d, 1);
    }
    n
}

/// The terms and planned closures of a typical year.
pub fn english_school_year(year: AcademicYear) -> (Vec<Term>, Vec<Closure>) {
    let y = year.0;
    let autumn_first = match date(y, 9, 1).weekday() {
        Weekday::Friday | Weekday::Saturday | Weekday::Sunday => {
            on_or_after(date(y, 9, 1), Weekday::Monday)
        }
        _ => date(y, 9, 1),
    };
    let october_break = on_or_before(date(y, 10, 31), Weekday::Monday);
    let autumn_last = on_or_before(date(y, 12, 20), Weekday::Friday);
    let spring_first = on_or_after(date(y + 1, 1, 2), Weekday::Monday);
    let february_break = on_or_after(date(y + 1, 2, 15), Weekday::Monday);
    let easter = easter_sunday(y + 1);
    let spring_last = add_days(easter, -9);
    let summer_first = add_days(easter, 8);
    let may_day = on_or_after(date(y + 1, 5, 1), Weekday::Monday);
    let may_break = on_or_before(date(y + 1, 5, 31), Weekday::Monday);
    let autumn = Term {
        name: format!("Autumn {y}"),
        dates: DateRange {
            first: autumn_first,
            last: autumn_last,
        },
        half_term_break: Some(week(october_break)),
    };
    let spring = Term {
        name: format!("Spring {}", y + 1),
        dates: DateRange {
            first: spring_first,
            last: spring_last,
        },
        half_term_break: Some(week(february_break)),
    };
    // The summer term runs until the year has its days.
    let so_far = weekdays(autumn.dates) - 5 + weekdays(spring.dates) - 5;
    let mut summer_last = summer_first;
    let mut summer_days = 0;
    let wanted = DAYS_IN_TERM - so_far + 5 + 1; // plus half term and May Day
    while summer_days < wanted {
        if !matches!(summer_last.weekday(), Weekday::Saturday | Weekday::Sunday) {
            summer_days += 1;
        }
        if summer_days < wanted {
            summer_last = add_days(summer_last, 1);
        }
    }
    let summer = Term {
        name: format!("Summer {}", y + 1),
        dates: DateRange {
            first: summer_first,
            last: summer_last,
        },
        half_term_break: Some(week(may_break)),
    };
    // A late Easter can put May Day on the first day of the summer term.
    let summer_inset = if may_day == summer_first {
        add_days(summer_first, 1)
    } else {
        summer_first
    };
    let inset = |d: Date| Closure {
        date: d,
        sessions: Sessions::Both,
        reason: "INSET day".to_owned(),
    };
    let closures = vec![
        inset(autumn_first),
        inset(add_days(october_break, 7)),
        inset(spring_first),
        inset(summer_inset),
        Closure {
            date: may_day,
            sessions: Sessions::Both,
            reason: "Early May bank holiday".to_owned(),
        },
        inset(summer_last),
    ];
    (vec![autumn, spring, summer], closures)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_core::Calendar;

    #[test]
    fn every_year_has_190_days_for_pupils() {
        for y in 2015..2040 {
            let (terms, closures) = english_school_year(AcademicYear(y));
            let calendar = Calendar::from_terms(terms, closures).unwrap();
            let span = calendar.span().unwrap();
            assert_eq!(calendar.school_days_in(span), 190, "{y}");
            assert!(span.last.month() == 7, "{y}: {}", span.last);
        }
        // 2025/26 matches the dates many authorities published.
        let (terms, _) = english_school_year(AcademicYear(2025));
        assert_eq!(terms[0].dates.first, date(2025, 9, 1));
        assert_eq!(terms[0].half_term_break.unwrap().first, date(2025, 10, 27));
        assert_eq!(terms[1].dates.last, date(2026, 3, 27));
        assert_eq!(terms[2].dates.first, date(2026, 4, 13));
    }
}
