//! Where absence falls: sessions by code, by day of the week and session, and by school week
//! (seed 001 §"Monitoring": "patterns in uses of certain codes, days of poor attendance").
//! Each session counts through [`Tally::add_code`], so the categories are the statistics'.

use std::collections::BTreeMap;

use jiff::civil::{Date, Weekday};

use crate::calendar::DateRange;
use crate::code::Code;
use crate::register::{PupilId, Register};
use crate::session::{Day, Session, Slot};
use crate::stats::Tally;

/// Every mark of the pupils on roll at any time in a range, with its session.
fn marks(register: &Register, range: DateRange) -> impl Iterator<Item = (Slot, Code)> + '_ {
    marks_of(register, range, |_| true)
}

/// Every mark of the chosen pupils on roll at any time in a range, with its session.
fn marks_of<'r>(
    register: &'r Register,
    range: DateRange,
    chosen: impl Fn(PupilId) -> bool + 'r,
) -> impl Iterator<Item = (Slot, Code)> + 'r {
    register
        .ids()
        .zip(register.pupils())
        .filter(move |(id, p)| p.on_roll_during(range) && chosen(*id))
        .flat_map(move |(id, _)| {
            let (first, codes) = register.row(id).within(range);
            codes.iter().enumerate().filter_map(move |(i, &b)| {
                let code = Code::from_byte(b)?;
                Some((Slot(first.0 + i32::try_from(i).ok()?), code))
            })
        })
}

/// Sessions with each code, most used first.
pub fn code_counts(register: &Register, range: DateRange) -> Vec<(Code, u64)> {
    code_counts_of(register, range, |_| true)
}

/// The chosen pupils' sessions with each code, most used first (a cohort's codes).
pub fn code_counts_of(
    register: &Register,
    range: DateRange,
    chosen: impl Fn(PupilId) -> bool,
) -> Vec<(Code, u64)> {
    let mut counts: BTreeMap<Code, u64> = BTreeMap::new();
    for (_, code) in marks_of(register, range, chosen) {
        *counts.entry(code).or_default() += 1;
    }
    let mut counts: Vec<(Code, u64)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counts
}

/// A tally for each weekday and session with marks, Monday morning first.
pub fn by_weekday(register: &Register, range: DateRange) -> Vec<(Weekday, Session, Tally)> {
    let mut tallies = [[None::<Tally>; 2]; 7];
    for (slot, code) in marks(register, range) {
        let day = usize::from(slot.day().weekday().to_monday_zero_offset().unsigned_abs());
        let session = usize::from(slot.session() == Session::Pm);
        if let Some(tally) = tallies.get_mut(day).and_then(|d| d.get_mut(session)) {
            tally.get_or_insert_default().add_code(code, 1);
        }
    }
    let mut weekday = Weekday::Monday;
    let mut out = Vec::new();
    for [am, pm] in tallies {
        for (tally, session) in [(am, Session::Am), (pm, Session::Pm)] {
            if let Some(tally) = tally {
                out.push((weekday, session, tally));
            }
        }
        weekday = weekday.next();
    }
    out
}

/// The Monday of a date's week.
pub fn week_of(date: Date) -> Date {
    Day::of(date).monday().date()
}

/// A tally for each week with marks in a range, by its Monday.
pub fn by_week(register: &Register, range: DateRange) -> Vec<(Date, Tally)> {
    let first = Day::of(range.first).monday();
    let mut weeks: Vec<Option<Tally>> = Vec::new();
    for (slot, code) in marks(register, range) {
        let Ok(week) = usize::try_from((slot.day().0 - first.0).div_euclid(7)) else {
            continue;
        };
        if week >= weeks.len() {
            weeks.resize(week + 1, None);
        }
        if let Some(tally) = weeks.get_mut(week) {
            tally.get_or_insert_default().add_code(code, 1);
        }
    }
    (0..)
        .step_by(7)
        .zip(weeks)
        .filter_map(|(days, tally)| Some((first.plus(days).date(), tally?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::Upn;
    use crate::pupil::{Pupil, SenStatus, Sex, YearGroup};
    use crate::register::{PupilId, RegisterBuilder, Roll};
    use crate::stats::{GroupBy, summarise};

    fn register() -> Register {
        let pupil = Pupil {
            upn: Upn::issue("801200000001").unwrap(),
            legal_surname: "A".into(),
            legal_forename: "B".into(),
            preferred_forename: None,
            date_of_birth: date(2015, 1, 1),
            sex: Sex::Female,
            year_group: YearGroup::year(5).unwrap(),
            reg_group: "5A".into(),
            entry_date: None,
            leaving_date: None,
            fsm: false,
            eal: false,
            pupil_premium: false,
            sen: SenStatus::None,
            school: None,
        };
        let roll = Roll::new(vec![pupil]).unwrap();
        let mut b = RegisterBuilder::new(&roll);
        // Two weeks: absent (O) every Monday morning and Friday afternoon, ill on one Tuesday.
        for d in 3..=14 {
            let day = date(2025, 11, d);
            if day.weekday().to_monday_one_offset() > 5 {
                continue;
            }
            for session in [Session::Am, Session::Pm] {
                let code = match (day.weekday(), session) {
                    (Weekday::Monday, Session::Am) | (Weekday::Friday, Session::Pm) => {
                        Code::OtherUnauthorised
                    }
                    (Weekday::Tuesday, _) if d == 4 => Code::Illness,
                    (_, Session::Am) => Code::PresentAm,
                    (_, Session::Pm) => Code::PresentPm,
                };
                b.insert(PupilId(0), Slot::new(day, session), code, None)
                    .unwrap();
            }
        }
        b.finish(roll)
    }

    #[test]
    fn patterns_add_up_to_the_report() {
        let register = register();
        let range = DateRange {
            first: date(2025, 11, 3),
            last: date(2025, 11, 14),
        };
        let all = summarise(&register, range, GroupBy::All)[0].tally;
        let mut weekly = Tally::default();
        for (_, t) in by_week(&register, range) {
            weekly.add(&t);
        }
        assert_eq!(
            weekly,
            Tally {
                minutes_late: 0,
                ..all
            }
        );
        let days = by_weekday(&register, range);
        assert_eq!(days.len(), 10);
        let monday_am = days[0].2;
        assert_eq!((days[0].0, days[0].1), (Weekday::Monday, Session::Am));
        assert_eq!(monday_am.unauthorised, 2);
        let friday_pm = days[9].2;
        assert_eq!(friday_pm.unauthorised, 2);
        let codes = code_counts(&register, range);
        assert_eq!(
            codes
                .iter()
                .find(|c| c.0 == Code::OtherUnauthorised)
                .unwrap()
                .1,
            4
        );
        assert_eq!(codes.iter().find(|c| c.0 == Code::Illness).unwrap().1, 2);
        // A cohort's codes are its own pupils' only: here, no one's.
        assert!(code_counts_of(&register, range, |_| false).is_empty());
        assert_eq!(code_counts_of(&register, range, |_| true), codes);
        assert_eq!(week_of(date(2025, 11, 9)), date(2025, 11, 3));
    }
}
