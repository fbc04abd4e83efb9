//! A pupil's course: when, at their recent rate, they would become persistently absent.
//!
//! A pupil's attendance over the year to date is `attended ÷ possible`.
//! If every session from tomorrow goes as the last four weeks went (the pupil's own rate over
//! them), after `k` more sessions it is `(attended + r·k) ÷ (possible + k)`. With `r` below
//! 90%, that reaches 90% or less (persistent absence: missing 10% or more) once
//! `k ≥ (attended − 0.9·possible) ÷ (0.9 − r)`; the date is that many open sessions ahead on
//! the school's calendar. No date when the recent rate is 90% or more, when the pupil is
//! already persistently absent, or when the year ends first.

use jiff::ToSpan;
use jiff::civil::Date;

use crate::calendar::{AcademicYear, Calendar, DateRange};
use crate::stats::Tally;

/// The date a pupil becomes persistently absent at their recent rate (the module's method).
pub fn projected_persistent(
    calendar: &Calendar,
    year: &Tally,
    recent: &Tally,
    today: Date,
) -> Option<Date> {
    let rate = recent.attendance_rate()?;
    let (attended, possible) = (year.attended(), year.possible);
    // Already persistently absent, or attending well lately: no projection.
    if attended * 10 <= possible * 9 || rate.at_least(9000) {
        return None;
    }
    // k ≥ (attended − 0.9·possible) ÷ (0.9 − r), in whole sessions, with r = part ÷ whole:
    // k ≥ (10·attended − 9·possible)·whole ÷ (9·whole − 10·part).
    let numerator = (10 * attended - 9 * possible) * rate.whole;
    let denominator = 9 * rate.whole - 10 * rate.part;
    let sessions = numerator.div_ceil(denominator).max(1);
    let tomorrow = today.checked_add(1.day()).ok()?;
    let end = AcademicYear::of(today).last_day();
    calendar
        .school_sessions(DateRange {
            first: tomorrow,
            last: end,
        })
        .nth(usize::try_from(sessions).ok()?.checked_sub(1)?)
        .map(|s| s.key().date)
}

#[cfg(test)]
mod tests {
    use crate::calendar::Term;
    use jiff::civil::date;

    use super::*;

    fn calendar() -> Calendar {
        Calendar::from_terms(
            vec![Term {
                name: "Autumn".into(),
                dates: DateRange {
                    first: date(2025, 9, 1),
                    last: date(2025, 12, 19),
                },
                half_term_break: None,
            }],
            Vec::new(),
        )
        .unwrap()
    }

    fn tally(attended: u64, possible: u64) -> Tally {
        Tally {
            possible,
            present: attended,
            unauthorised: possible - attended,
            ..Tally::default()
        }
    }

    /// The module's method, worked: 95 of 100 so far, 80% lately: k ≥ (950 − 900)·5 ÷ (45 − 40)
    /// = 50, so the 50th session from tomorrow, when 135 of 150 is exactly 90%.
    #[test]
    fn the_trajectory_as_documented() {
        let today = date(2025, 10, 3);
        let on = projected_persistent(&calendar(), &tally(95, 100), &tally(32, 40), today).unwrap();
        // 50 sessions from Monday 6 October: 25 whole days, the last Friday 7 November.
        assert_eq!(on, date(2025, 11, 7));
        assert_eq!((95 + 40) * 10, 150 * 9);
        // At 90% or more lately, no date; already below 90%, no date (persistent already).
        assert_eq!(
            projected_persistent(&calendar(), &tally(95, 100), &tally(36, 40), today),
            None
        );
        assert_eq!(
            projected_persistent(&calendar(), &tally(85, 100), &tally(20, 40), today),
            None
        );
        // Too late in the year to fall below: no date.
        let late = date(2025, 12, 18);
        assert_eq!(
            projected_persistent(&calendar(), &tally(95, 100), &tally(32, 40), late),
            None
        );
    }
}
