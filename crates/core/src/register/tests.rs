use super::*;
use crate::calendar::{Closure, Sessions, Term};
use crate::pupil::{SenStatus, Sex, YearGroup};
use jiff::civil::date;

pub(crate) fn pupil(upn: &str) -> Pupil {
    Pupil {
        upn: Upn::parse(upn).unwrap(),
        legal_surname: "Able".into(),
        legal_forename: "Amy".into(),
        preferred_forename: None,
        date_of_birth: date(2015, 3, 1),
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
    }
}

pub(crate) const UPN: &str = "B801200005001";

fn key(d: Date, s: Session) -> SessionKey {
    SessionKey {
        date: d,
        session: s,
    }
}

#[test]
fn marks_round_trip_in_any_order() {
    let roll = Roll::new(vec![pupil(UPN)]).unwrap();
    let mut b = RegisterBuilder::new(&roll);
    let upn = Upn::parse(UPN).unwrap();
    let entries = [
        (date(2025, 9, 10), Session::Pm, Code::Late, Some(12)),
        (date(2025, 9, 3), Session::Am, Code::PresentAm, None),
        (
            date(2024, 6, 3),
            Session::Am,
            Code::HistoricAgreedHoliday,
            None,
        ),
        (date(2025, 9, 4), Session::Am, Code::Illness, None),
    ];
    for (d, s, code, minutes) in entries {
        b.record(&roll, &upn, key(d, s), code, minutes, None)
            .unwrap();
    }
    let r = b.finish(roll);
    let id = r.find(&upn).unwrap();
    assert_eq!(r.mark_count(), 4);
    for (d, s, code, minutes) in entries {
        let mark = r.mark(id, key(d, s).slot()).unwrap();
        assert_eq!(mark.code, code);
        assert_eq!(mark.minutes_late, minutes);
    }
    assert_eq!(r.mark(id, key(date(2025, 9, 5), Session::Am).slot()), None);
    let span = r.span().unwrap();
    assert_eq!(
        (span.first, span.last),
        (date(2024, 6, 3), date(2025, 9, 10))
    );
    let listed: Vec<Code> = r.row(id).marks().map(|(_, c)| c).collect();
    assert_eq!(
        listed,
        [
            Code::HistoricAgreedHoliday,
            Code::PresentAm,
            Code::Illness,
            Code::Late
        ]
    );
}

#[test]
fn refused_marks() {
    let mut joiner = pupil("B801200005001");
    joiner.entry_date = Some(date(2025, 9, 8));
    joiner.leaving_date = Some(date(2025, 12, 12));
    let roll = Roll::new(vec![joiner]).unwrap();
    let mut b = RegisterBuilder::new(&roll);
    let upn = Upn::parse(UPN).unwrap();
    let calendar = Calendar::from_terms(
        vec![Term {
            name: "Autumn".into(),
            dates: DateRange {
                first: date(2025, 9, 1),
                last: date(2025, 12, 19),
            },
            half_term_break: None,
        }],
        vec![Closure {
            date: date(2025, 11, 7),
            sessions: Sessions::Both,
            reason: "INSET".into(),
        }],
    )
    .unwrap();
    let c = Some(&calendar);
    b.record(
        &roll,
        &upn,
        key(date(2025, 9, 8), Session::Am),
        Code::PresentAm,
        None,
        c,
    )
    .unwrap();
    let table: &[(Date, Code, Option<u16>, MarkField, &str)] = &[
        (
            date(2025, 9, 5),
            Code::PresentAm,
            None,
            MarkField::Date,
            "starts on Mon 8 Sep 2025",
        ),
        (
            date(2025, 12, 15),
            Code::PresentAm,
            None,
            MarkField::Date,
            "left on Fri 12 Dec 2025",
        ),
        (
            date(2025, 9, 13),
            Code::PresentAm,
            None,
            MarkField::Date,
            "no school session",
        ),
        (
            date(2025, 11, 7),
            Code::Illness,
            None,
            MarkField::Date,
            "no school session",
        ),
        (
            date(2025, 11, 6),
            Code::PlannedClosure,
            None,
            MarkField::Date,
            "is a school session",
        ),
        (
            date(2025, 9, 9),
            Code::HistoricAgreedHoliday,
            None,
            MarkField::Code,
            "withdrawn",
        ),
        (
            date(2025, 9, 9),
            Code::Illness,
            Some(5),
            MarkField::MinutesLate,
            "only recorded with L or U",
        ),
        (
            date(2025, 9, 8),
            Code::Illness,
            None,
            MarkField::Session,
            "already has a mark for 2025-09-08 AM",
        ),
    ];
    for &(d, code, minutes, field, message) in table {
        let err = b
            .record(&roll, &upn, key(d, Session::Am), code, minutes, c)
            .unwrap_err();
        assert_eq!(err.field(), field, "{err}");
        assert!(err.to_string().contains(message), "{err}");
    }
    // Z marks a prospective pupil before their starting day; # marks a planned closure.
    b.record(
        &roll,
        &upn,
        key(date(2025, 9, 5), Session::Am),
        Code::Prospective,
        None,
        c,
    )
    .unwrap();
    b.record(
        &roll,
        &upn,
        key(date(2025, 11, 7), Session::Am),
        Code::PlannedClosure,
        None,
        c,
    )
    .unwrap();
}

#[test]
fn duplicate_pupils() {
    let err = Roll::new(vec![pupil(UPN), pupil(UPN)]).unwrap_err();
    assert_eq!((err.first, err.second), (1, 2));
}

#[test]
fn inferred_calendar_ignores_closures() {
    let roll = Roll::new(vec![pupil(UPN)]).unwrap();
    let mut b = RegisterBuilder::new(&roll);
    let upn = Upn::parse(UPN).unwrap();
    b.record(
        &roll,
        &upn,
        key(date(2025, 9, 1), Session::Am),
        Code::PlannedClosure,
        None,
        None,
    )
    .unwrap();
    b.record(
        &roll,
        &upn,
        key(date(2025, 9, 2), Session::Am),
        Code::PresentAm,
        None,
        None,
    )
    .unwrap();
    let calendar = b.finish(roll).inferred_calendar();
    assert!(!calendar.is_school_day(date(2025, 9, 1)));
    assert!(calendar.is_school_day(date(2025, 9, 2)));
}

#[test]
fn runs_of_stored_marks_build_the_same_register_as_single_marks() {
    let roll = Roll::new(vec![pupil(UPN)]).unwrap();
    let id = PupilId(0);
    let monday = key(date(2025, 9, 8), Session::Am).slot();
    let at = |i: i32| Slot(monday.0 + i);
    let singles = [
        (at(0), Code::PresentAm, None),
        (at(1), Code::Late, Some(7)),
        (at(4), Code::Illness, None),
        (at(-20), Code::PresentPm, None),
    ];
    let mut one = RegisterBuilder::new(&roll);
    for (slot, code, minutes) in singles {
        one.insert(id, slot, code, minutes).unwrap();
    }
    let one = one.finish(roll.clone());
    // Two runs, the later first, as rows of a stored register may come; one with a gap.
    let mut runs = RegisterBuilder::new(&roll);
    let bytes = [Code::PresentAm, Code::Late]
        .map(Code::as_byte)
        .into_iter()
        .chain([0, 0, Code::Illness.as_byte(), 0])
        .collect::<Vec<u8>>();
    runs.insert_run(id, at(0), &bytes, &[(at(1), 7)]).unwrap();
    runs.insert_run(id, at(-20), &[Code::PresentPm.as_byte()], &[])
        .unwrap();
    runs.insert_run(id, at(40), &[0, 0], &[]).unwrap();
    let runs_register = runs.finish(roll.clone());
    assert_eq!(runs_register.row(id).start, one.row(id).start);
    assert_eq!(runs_register.row(id).codes, one.row(id).codes);
    assert_eq!(runs_register.row(id).lates, one.row(id).lates);
    assert_eq!(runs_register.mark_count(), 4);

    let mut refused = RegisterBuilder::new(&roll);
    refused.insert_run(id, at(0), &bytes, &[]).unwrap();
    assert_eq!(
        refused.insert_run(id, at(4), &[Code::Late.as_byte()], &[]),
        Err(RunError::Occupied(at(4), Code::Illness))
    );
    assert_eq!(
        refused.insert_run(id, at(10), &[250], &[]),
        Err(RunError::NotACode(250))
    );
    assert_eq!(
        refused.insert_run(PupilId(5), at(10), &[1], &[]),
        Err(RunError::NoPupil(PupilId(5)))
    );
}
