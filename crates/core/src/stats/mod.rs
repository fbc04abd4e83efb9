//! Attendance statistics for any date range and grouping.
//!
//! The definitions are the DfE's (statutory.md §5): a possible session is one coded present,
//! approved educational activity, authorised or unauthorised absence; the attendance rate is
//! (present + approved activity) ÷ possible; the absence rate is (authorised + unauthorised) ÷
//! possible; a pupil is a persistent absentee when absence is at least 10% of their own possible
//! sessions and severely absent at 50%. Each figure has exactly one function here, and every
//! report uses it.

use std::cmp::Ordering;
use std::fmt;

use crate::calendar::DateRange;
use crate::code::{Category, Code};
use crate::register::RowView;

/// A fraction shown as a percentage, kept exact so that thresholds compare without rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// The numerator.
    pub part: u64,
    /// The denominator; never 0.
    pub whole: u64,
}

impl Rate {
    /// `part / whole`, or `None` when `whole` is 0.
    pub fn new(part: u64, whole: u64) -> Option<Rate> {
        (whole > 0).then_some(Rate { part, whole })
    }

    /// The percentage in hundredths, rounded half up: 95.83% is 9583.
    pub fn hundredths(self) -> u64 {
        (self.part * 20_000 + self.whole) / (2 * self.whole)
    }

    /// The percentage as a float, for charts.
    pub fn percent(self) -> f64 {
        // Exact for any count of sessions a register can hold.
        self.part as f64 * 100.0 / self.whole as f64
    }

    /// Whether the rate is at least `hundredths` per cent hundredths (9000 for 90%), exactly.
    pub fn at_least(self, hundredths: u64) -> bool {
        self.part * 10_000 >= hundredths * self.whole
    }
}

impl PartialOrd for Rate {
    fn partial_cmp(&self, other: &Rate) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Rate {
    fn cmp(&self, other: &Rate) -> Ordering {
        (u128::from(self.part) * u128::from(other.whole))
            .cmp(&(u128::from(other.part) * u128::from(self.whole)))
    }
}

impl fmt::Display for Rate {
    /// Two decimal places: `95.83`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = self.hundredths();
        write!(f, "{}.{:02}", h / 100, h % 100)
    }
}

/// Missed sessions put as the seeds' tables put them to parents (seed 001 annex 5, seed 002
/// "the importance of attendance"): two sessions a day, five days a week and a number of
/// learning hours a day (5 in both seeds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissedTime {
    /// Sessions of absence.
    pub sessions: u64,
    /// Hours of learning in a school day.
    pub learning_hours_per_day: u32,
}

impl MissedTime {
    /// The same rate of absence over a whole school year of `school_days`, to the nearest
    /// session: what the seeds' tables show against each percentage.
    pub fn over_year(rate: Rate, school_days: u64, learning_hours_per_day: u32) -> MissedTime {
        let sessions = school_days * 2;
        let absent = rate.whole.saturating_sub(rate.part);
        MissedTime {
            sessions: (absent * sessions * 2 + rate.whole) / (2 * rate.whole),
            learning_hours_per_day,
        }
    }

    /// School days: two sessions each.
    pub fn days(self) -> f64 {
        self.sessions as f64 / 2.0
    }

    /// School weeks of five days.
    pub fn weeks(self) -> f64 {
        self.days() / 5.0
    }

    /// Hours of learning.
    pub fn hours(self) -> f64 {
        self.days() * f64::from(self.learning_hours_per_day)
    }
}

/// Session counts for one pupil or a group over a date range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Possible sessions.
    pub possible: u64,
    /// Present: `/ \ L`.
    pub present: u64,
    /// Attending an approved educational activity: `K V P W B`.
    pub approved: u64,
    /// Authorised absence.
    pub authorised: u64,
    /// Unauthorised absence.
    pub unauthorised: u64,
    /// Not counted: `D X Q Y1–Y7`.
    pub not_counted: u64,
    /// Administrative: `Z #`.
    pub administrative: u64,
    /// `L`: arrived late before the register closed.
    pub late_before_close: u64,
    /// `U`: arrived after the register closed.
    pub late_after_close: u64,
    /// Minutes late recorded with `L` and `U`.
    pub minutes_late: u64,
}

impl Tally {
    /// Counts a pupil's row over a date range.
    pub fn of_row(row: RowView<'_>, range: DateRange) -> Tally {
        let (first, codes) = row.within(range);
        let mut by_byte = [0u64; 64];
        for &b in codes {
            if let Some(n) = by_byte.get_mut(usize::from(b)) {
                *n += 1;
            }
        }
        let mut tally = Tally::default();
        for &code in Code::ALL {
            let n = by_byte
                .get(usize::from(code.as_byte()))
                .copied()
                .unwrap_or(0);
            tally.add_code(code, n);
        }
        let end = first.0 + i32::try_from(codes.len()).unwrap_or(0);
        let from = row.lates.partition_point(|&(s, _)| s < first.0);
        let to = row.lates.partition_point(|&(s, _)| s < end);
        tally.minutes_late = row
            .lates
            .get(from..to)
            .unwrap_or_default()
            .iter()
            .map(|&(_, m)| u64::from(m))
            .sum();
        tally
    }

    /// Adds `n` sessions of a code.
    pub fn add_code(&mut self, code: Code, n: u64) {
        let bucket = match code.category() {
            Category::Present => &mut self.present,
            Category::ApprovedActivity => &mut self.approved,
            Category::Authorised => &mut self.authorised,
            Category::Unauthorised => &mut self.unauthorised,
            Category::NotCounted => &mut self.not_counted,
            Category::Administrative => &mut self.administrative,
        };
        *bucket += n;
        if code.is_possible() {
            self.possible += n;
        }
        match code {
            Code::Late => self.late_before_close += n,
            Code::ArrivedAfterClose => self.late_after_close += n,
            _ => {}
        }
    }

    /// Adds one mark, with the minutes late recorded for it.
    pub fn add_mark(&mut self, code: Code, minutes_late: Option<u16>) {
        self.add_code(code, 1);
        if code.is_late() {
            self.minutes_late += u64::from(minutes_late.unwrap_or(0));
        }
    }

    /// Adds another tally to this one.
    pub fn add(&mut self, other: &Tally) {
        self.possible += other.possible;
        self.present += other.present;
        self.approved += other.approved;
        self.authorised += other.authorised;
        self.unauthorised += other.unauthorised;
        self.not_counted += other.not_counted;
        self.administrative += other.administrative;
        self.late_before_close += other.late_before_close;
        self.late_after_close += other.late_after_close;
        self.minutes_late += other.minutes_late;
    }

    /// Sessions attended: present plus approved educational activity.
    pub fn attended(&self) -> u64 {
        self.present + self.approved
    }

    /// Sessions missed: authorised plus unauthorised absence.
    pub fn absent(&self) -> u64 {
        self.authorised + self.unauthorised
    }

    /// What the sessions missed come to in days, weeks and learning hours.
    pub fn missed_time(&self, learning_hours_per_day: u32) -> MissedTime {
        MissedTime {
            sessions: self.absent(),
            learning_hours_per_day,
        }
    }

    /// Attendance rate: attended ÷ possible.
    pub fn attendance_rate(&self) -> Option<Rate> {
        Rate::new(self.attended(), self.possible)
    }

    /// Overall absence rate: absent ÷ possible.
    pub fn absence_rate(&self) -> Option<Rate> {
        Rate::new(self.absent(), self.possible)
    }

    /// Authorised absence rate.
    pub fn authorised_rate(&self) -> Option<Rate> {
        Rate::new(self.authorised, self.possible)
    }

    /// Unauthorised absence rate.
    pub fn unauthorised_rate(&self) -> Option<Rate> {
        Rate::new(self.unauthorised, self.possible)
    }

    /// Persistent absence: absence is 10% or more of possible sessions (the DfE's exact method
    /// since 2015/16, statutory.md §5).
    pub fn is_persistent_absentee(&self) -> bool {
        self.possible > 0 && self.absent() * 10 >= self.possible
    }

    /// Severe absence: absence is 50% or more of possible sessions (statutory.md §5).
    pub fn is_severe_absentee(&self) -> bool {
        self.possible > 0 && self.absent() * 2 >= self.possible
    }
}

mod groups;

pub use groups::{GroupBy, GroupKey, GroupSummary, pupil_tally, summarise, summarise_by};

#[cfg(test)]
mod tests {
    /// Seed 001 annex 5 and seed 002: a year's absence in days, weeks and hours, 5 hours a day.
    #[test]
    fn missed_time_as_the_seeds_put_it() {
        let cases = [
            // (attended, possible, school days, days, weeks, hours)
            (95, 100, 190, 9.5, 1.9, 47.5),
            (96, 100, 190, 7.5, 1.5, 37.5),
            (90, 100, 200, 20.0, 4.0, 100.0),
            (97, 100, 200, 6.0, 1.2, 30.0),
            (100, 100, 190, 0.0, 0.0, 0.0),
        ];
        for (part, whole, days, want_days, want_weeks, want_hours) in cases {
            let rate = Rate::new(part, whole).unwrap();
            let year = MissedTime::over_year(rate, days, 5);
            assert_eq!(year.days(), want_days, "{part}/{whole} over {days}");
            assert!((year.weeks() - want_weeks).abs() < 1e-9);
            assert_eq!(year.hours(), want_hours);
        }
        let tally = Tally {
            authorised: 3,
            unauthorised: 4,
            ..Tally::default()
        };
        let so_far = tally.missed_time(5);
        assert_eq!(
            (so_far.sessions, so_far.days(), so_far.hours()),
            (7, 3.5, 17.5)
        );
    }

    use super::*;
    use crate::ids::Upn;
    use crate::register::tests::{UPN, pupil};
    use crate::register::{PupilId, RegisterBuilder, Roll};
    use crate::session::{Session, SessionKey};
    use jiff::civil::{Date, date};

    /// A tally from a string of codes separated by spaces.
    fn tally_of(codes: &str) -> Tally {
        let mut tally = Tally::default();
        for symbol in codes.split_whitespace() {
            tally.add_code(Code::parse(symbol).unwrap(), 1);
        }
        tally
    }

    #[test]
    fn rates_and_thresholds() {
        // (codes, possible, attendance %, absence %, persistent, severe)
        let table: &[(&str, u64, Option<&str>, bool, bool)] = &[
            ("/ / / / / / / / / I", 10, Some("90.00"), true, false), // exactly 10%
            (
                "/ / / / / / / / / / / / / / / / / / / I",
                20,
                Some("95.00"),
                false,
                false,
            ),
            (
                "/ / / / / / / / / / / / / / / / / / O I",
                20,
                Some("90.00"),
                true,
                false,
            ),
            ("/ I", 2, Some("50.00"), true, true), // exactly 50%
            ("/ / I", 3, Some("66.67"), true, false),
            ("V K P W B", 5, Some("100.00"), false, false),
            ("D X Q Y1 Y7 Z #", 0, None, false, false),
            ("L U / G", 4, Some("50.00"), true, true),
            ("", 0, None, false, false),
        ];
        for &(codes, possible, attendance, persistent, severe) in table {
            let t = tally_of(codes);
            assert_eq!(t.possible, possible, "{codes}");
            assert_eq!(
                t.attendance_rate().map(|r| r.to_string()).as_deref(),
                attendance,
                "{codes}"
            );
            assert_eq!(t.is_persistent_absentee(), persistent, "{codes}");
            assert_eq!(t.is_severe_absentee(), severe, "{codes}");
        }
        let t = tally_of("L U U / G");
        assert_eq!((t.late_before_close, t.late_after_close), (1, 2));
        let mut t = Tally::default();
        t.add_mark(Code::Late, Some(5));
        t.add_mark(Code::ArrivedAfterClose, Some(40));
        t.add_mark(Code::PresentAm, Some(9)); // not a late mark: its minutes do not count
        assert_eq!((t.possible, t.minutes_late), (3, 45));
    }

    #[test]
    fn rounding_is_half_up_and_exact() {
        assert_eq!(Rate::new(1, 8).unwrap().to_string(), "12.50");
        assert_eq!(Rate::new(1, 32).unwrap().to_string(), "3.13"); // 3.125
        assert_eq!(Rate::new(2, 3).unwrap().to_string(), "66.67");
        assert_eq!(Rate::new(0, 3).unwrap().to_string(), "0.00");
        assert!(Rate::new(9, 10).unwrap().at_least(9000));
        assert!(!Rate::new(899, 1000).unwrap().at_least(9000));
        assert!(Rate::new(1, 3).unwrap() < Rate::new(34, 100).unwrap());
        assert_eq!(Rate::new(1, 0), None);
    }

    fn key(d: Date, s: Session) -> SessionKey {
        SessionKey {
            date: d,
            session: s,
        }
    }

    #[test]
    fn grouping_and_ranges() {
        let mut a = pupil(UPN);
        a.reg_group = "5B".into();
        let mut b = pupil("Q801200005002");
        b.reg_group = "5A".into();
        b.leaving_date = Some(date(2025, 9, 3));
        let mut c = pupil("E801200005003");
        c.entry_date = Some(date(2025, 10, 1));
        let roll = Roll::new(vec![a, b, c]).unwrap();
        let mut builder = RegisterBuilder::new(&roll);
        let marks = [
            (UPN, date(2025, 9, 2), "/", "\\"),
            (UPN, date(2025, 9, 3), "L", "I"),
            ("Q801200005002", date(2025, 9, 2), "/", "O"),
            ("Q801200005002", date(2025, 9, 3), "G", "G"),
        ];
        for (upn, d, am, pm) in marks {
            let upn = Upn::parse(upn).unwrap();
            builder
                .record(
                    &roll,
                    &upn,
                    key(d, Session::Am),
                    Code::parse(am).unwrap(),
                    (am == "L").then_some(4),
                    None,
                )
                .unwrap();
            builder
                .record(
                    &roll,
                    &upn,
                    key(d, Session::Pm),
                    Code::parse(pm).unwrap(),
                    None,
                    None,
                )
                .unwrap();
        }
        let register = builder.finish(roll);
        let september = DateRange {
            first: date(2025, 9, 1),
            last: date(2025, 9, 30),
        };
        let rows = summarise(&register, september, GroupBy::RegGroup);
        let keys: Vec<&GroupKey> = rows.iter().map(|r| &r.key).collect();
        assert_eq!(
            keys,
            [
                &GroupKey::RegGroup("5A".into()),
                &GroupKey::RegGroup("5B".into())
            ]
        );
        assert_eq!(rows[0].tally.unauthorised, 3);
        assert_eq!(rows[0].persistent, 1);
        assert_eq!(rows[1].tally.minutes_late, 4); // minutes go with L only
        assert_eq!(
            rows[1].tally.attendance_rate().unwrap().to_string(),
            "75.00"
        );

        // The pupil who joins in October is not in September's figures.
        let school = summarise(&register, september, GroupBy::All);
        assert_eq!(school[0].pupils, 2);
        // By pupil, each is a group of one, in roll order, only those on roll in the range:
        // the same figures as grouping by a key of each pupil's own.
        let by_pupil = summarise(&register, september, GroupBy::Pupil);
        let by_key = summarise_by(&register, september, |id, _| Some(GroupKey::Pupil(id)));
        let figures = |rows: &[GroupSummary]| -> Vec<(GroupKey, Tally, u64, u64, u64)> {
            rows.iter()
                .map(|r| (r.key.clone(), r.tally, r.pupils, r.persistent, r.severe))
                .collect()
        };
        assert_eq!(by_pupil.len(), 2);
        assert_eq!(figures(&by_pupil), figures(&by_key));
        assert_eq!(school[0].persistent_rate().unwrap().to_string(), "100.00");
        // A range covering one day counts only that day.
        let one_day = DateRange {
            first: date(2025, 9, 3),
            last: date(2025, 9, 3),
        };
        let t = pupil_tally(&register, PupilId(0), one_day);
        assert_eq!((t.possible, t.present, t.authorised), (2, 1, 1));
    }
}
