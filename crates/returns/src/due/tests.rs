use jiff::civil::date;
use rollcall_core::admission::deletion::{Deletion, Ground};
use rollcall_core::casefile::PartTime;
use rollcall_core::procedures::ReturnSettings;
use rollcall_core::{
    Calendar, Code, Pupil, Register, RegisterBuilder, Roll, SenStatus, Sex, Term, Upn, YearGroup,
};

use super::*;
use crate::content::{content, to_csv};

/// 2025/26: autumn with half term 27–31 October, spring, and summer to 17 July.
fn calendar() -> Calendar {
    let term = |name: &str, first, last, gap: Option<(Date, Date)>| Term {
        name: name.into(),
        dates: DateRange { first, last },
        half_term_break: gap.map(|(first, last)| DateRange { first, last }),
    };
    Calendar::from_terms(
        vec![
            term(
                "Autumn 2025",
                date(2025, 9, 1),
                date(2025, 12, 19),
                Some((date(2025, 10, 27), date(2025, 10, 31))),
            ),
            term("Spring 2026", date(2026, 1, 5), date(2026, 3, 27), None),
            term("Summer 2026", date(2026, 4, 13), date(2026, 7, 17), None),
        ],
        vec![],
    )
    .unwrap()
}

fn pupil(rest: &str, year: &str) -> Pupil {
    Pupil {
        upn: Upn::issue(rest).unwrap(),
        legal_surname: format!("Surname{rest}"),
        legal_forename: "Pat".into(),
        preferred_forename: None,
        date_of_birth: date(2016, 1, 10),
        sex: Sex::Female,
        year_group: YearGroup::parse(year).unwrap(),
        reg_group: "A".into(),
        entry_date: None,
        leaving_date: None,
        fsm: false,
        eal: false,
        pupil_premium: false,
        sen: SenStatus::None,
        school: None,
    }
}

/// A register of `pupils`, each with runs of codes written from a date, two a school day.
fn register(calendar: &Calendar, pupils: &[Pupil], runs: &[(usize, Date, &str)]) -> Register {
    let roll = Roll::new(pupils.to_vec()).unwrap();
    let mut builder = RegisterBuilder::new(&roll);
    for &(who, first, codes) in runs {
        let upn = pupils[who].upn;
        let mut slots = calendar.school_sessions(DateRange {
            first,
            last: date(2026, 7, 17),
        });
        for symbol in codes.split_whitespace() {
            let slot = slots.next().unwrap();
            let code = Code::parse(symbol).unwrap();
            builder
                .record(&roll, &upn, slot.key(), code, None, Some(calendar))
                .unwrap();
        }
    }
    builder.finish(roll)
}

fn facts(pupil: &Pupil) -> PupilFacts<'_> {
    PupilFacts {
        pupil,
        entry: None,
        admitted: None,
        deletion: None,
        contacts: Vec::new(),
        part_time: Vec::new(),
    }
}

fn keys(found: &[Due]) -> Vec<(String, Date)> {
    found.iter().map(|d| (d.key.to_string(), d.due)).collect()
}

fn repeat(code: &str, n: usize) -> String {
    vec![code; n].join(" ")
}

#[test]
fn a_new_pupil_return_by_the_end_of_the_fifth_day_after_entry() {
    // Regulation 13(1)-(3).
    let calendar = calendar();
    let later = Pupil {
        entry_date: Some(date(2025, 9, 15)),
        ..pupil("801200005010", "3")
    };
    let reception = Pupil {
        entry_date: Some(date(2025, 9, 1)),
        ..pupil("801200005011", "R")
    };
    let imported = Pupil {
        entry_date: Some(date(2025, 9, 15)),
        ..pupil("801200005012", "3")
    };
    let register = register(&calendar, &[], &[]);
    let settings = ReturnSettings {
        first_year: YearGroup::parse("R").ok(),
        ..ReturnSettings::default()
    };
    let asked = ReturnSettings {
        junior_returns_asked: true,
        ..settings.clone()
    };
    let school = |settings| School {
        register: &register,
        calendar: &calendar,
        settings,
        pupils: vec![
            PupilFacts {
                admitted: Some(date(2025, 9, 10)),
                ..facts(&later)
            },
            PupilFacts {
                admitted: Some(date(2025, 8, 20)),
                ..facts(&reception)
            },
            facts(&imported),
        ],
    };
    let upn = |p: &Pupil| p.upn.to_string();
    // Entered on its starting day, Monday 15 September: due by the end of Saturday the 20th,
    // five days (not school days) later. The reception pupil starting on the first day of the
    // year needs none; the imported pupil was entered elsewhere.
    assert_eq!(
        keys(&due(&school(&settings), date(2025, 9, 30))),
        [(
            format!("new_pupil:{}@2025-09-15", upn(&later)),
            date(2025, 9, 20)
        )]
    );
    // Not yet entered before the starting day.
    assert!(due(&school(&settings), date(2025, 9, 12)).is_empty());
    // Once the local authority asks, the reception pupil needs one too.
    let found = keys(&due(&school(&asked), date(2025, 9, 30)));
    assert_eq!(
        found[0],
        (
            format!("new_pupil:{}@2025-09-01", upn(&reception)),
            date(2025, 9, 6)
        )
    );
}

#[test]
fn a_deletion_return_when_the_name_is_deleted_unless_the_final_year_is_done() {
    // Regulation 13(4)-(5).
    let calendar = calendar();
    let register = register(&calendar, &[], &[]);
    let mover = pupil("801200005020", "3");
    let leaver = pupil("801200005021", "4");
    let deletion = |ground, leaving_date| Deletion {
        ground,
        leaving_date,
        other_school: None,
        evidence_date: None,
        enquiries: None,
        confirmed: true,
        note: String::new(),
    };
    let moved = deletion(Ground::MovedAway, date(2025, 11, 14));
    let completed = deletion(Ground::OtherSchool, date(2026, 7, 17));
    let settings = ReturnSettings {
        final_year: YearGroup::parse("4").ok(),
        ..ReturnSettings::default()
    };
    let school = School {
        register: &register,
        calendar: &calendar,
        settings: &settings,
        pupils: vec![
            PupilFacts {
                deletion: Some((&moved, date(2025, 11, 12))),
                ..facts(&mover)
            },
            PupilFacts {
                deletion: Some((&completed, date(2026, 7, 10))),
                ..facts(&leaver)
            },
        ],
    };
    let found = due(&school, date(2026, 7, 20));
    let deletions: Vec<_> = found
        .iter()
        .filter(|d| d.key.kind == Kind::Deletion)
        .map(|d| (d.key.to_string(), d.due))
        .collect();
    assert_eq!(
        deletions,
        [(
            format!("deletion:{}@2025-11-14", mover.upn),
            date(2025, 11, 12)
        )]
    );
    let made = found.iter().find(|d| d.key.kind == Kind::Deletion).unwrap();
    let table = content(&school, made);
    assert!(
        table.rows[0]
            .iter()
            .any(|c| c.contains("regulation 9(1)(g)")),
        "{table:?}"
    );
}

#[test]
fn cme_referrals_and_sickness_returns_come_from_the_marks() {
    let calendar = calendar();
    let absent = pupil("801200005030", "5");
    let sick = pupil("801200005031", "5");
    let mon = date(2025, 10, 13);
    let runs = [
        // Ten school days of N and O up to half term, back after it, then ten days of G in
        // December.
        (
            0,
            mon,
            format!("{} {} / /", repeat("N", 14), repeat("O", 6)),
        ),
        (0, date(2025, 12, 1), repeat("G", 20)),
        // Fourteen and a half days off sick, a day in, then sick again: the second period
        // reaches fifteen days, and is the one the return is for; a third period, after a
        // day in, needs its own.
        (
            1,
            date(2025, 9, 8),
            format!("{} / / {} / / I I", repeat("I", 29), repeat("I", 2)),
        ),
    ];
    let runs: Vec<(usize, Date, &str)> =
        runs.iter().map(|(w, d, c)| (*w, *d, c.as_str())).collect();
    let register = register(&calendar, &[absent.clone(), sick.clone()], &runs);
    let settings = ReturnSettings::default();
    let school = School {
        register: &register,
        calendar: &calendar,
        settings: &settings,
        pupils: vec![facts(&absent), facts(&sick)],
    };
    let found = due(&school, date(2026, 1, 2));
    let pupils: Vec<_> = found
        .iter()
        .filter(|d| d.key.upn.is_some())
        .map(|d| (d.key.to_string(), d.due))
        .collect();
    assert_eq!(
        pupils,
        [
            (
                format!("sickness:{}@2025-09-29", sick.upn),
                date(2025, 9, 29)
            ),
            (
                format!("sickness:{}@2025-10-01", sick.upn),
                date(2025, 10, 1)
            ),
            (format!("cme:{}@2025-10-13", absent.upn), date(2025, 10, 24)),
            (format!("cme:{}@2025-12-01", absent.upn), date(2025, 12, 12)),
        ]
    );
    // The attendance returns: September nil, October and December with the pupil, November
    // nil (the first run ended on 3 November).
    let attendance: Vec<_> = found
        .iter()
        .filter(|d| d.key.kind == Kind::Attendance)
        .map(|d| (d.key.on, d.pupils.len()))
        .collect();
    assert_eq!(
        attendance,
        [
            (date(2025, 9, 1), 0),
            (date(2025, 10, 1), 1),
            (date(2025, 11, 1), 0),
            (date(2025, 12, 1), 1),
        ]
    );
    let october = found
        .iter()
        .find(|d| d.key.to_string() == "attendance@2025-10-01")
        .unwrap();
    // Due the first school day after the month ends.
    assert_eq!(october.due, date(2025, 11, 3));
    let csv = to_csv(&content(&school, october)).unwrap();
    assert!(
        csv.starts_with("UPN,Surname,Forename,Date of birth,Sex,Address"),
        "{csv}"
    );
    assert!(csv.contains("2025-10-13,2025-10-24"), "{csv}");
}

#[test]
fn a_part_time_timetable_until_the_local_authority_is_told() {
    let calendar = calendar();
    let register = register(&calendar, &[], &[]);
    let p = pupil("801200005040", "8");
    let timetable = |la_informed| PartTime {
        agreed_with: "Mother".into(),
        starts: date(2025, 10, 1),
        ends: date(2025, 11, 14),
        off: Vec::new(),
        reviews: vec![date(2025, 10, 22)],
        la_informed,
    };
    let told = timetable(Some(date(2025, 10, 1)));
    let untold = timetable(None);
    let settings = ReturnSettings::default();
    for (t, expect) in [(&untold, 1), (&told, 0)] {
        let school = School {
            register: &register,
            calendar: &calendar,
            settings: &settings,
            pupils: vec![PupilFacts {
                part_time: vec![t],
                ..facts(&p)
            }],
        };
        let found: Vec<_> = due(&school, date(2025, 10, 2))
            .into_iter()
            .filter(|d| d.key.kind == Kind::PartTime)
            .collect();
        assert_eq!(found.len(), expect);
    }
}

#[test]
fn keys_read_back() {
    for text in [
        "new_pupil:X801200005006@2025-09-15",
        "attendance@2025-10-01",
        "cme:B801200005001@2025-10-06",
    ] {
        assert_eq!(Key::parse(text).unwrap().to_string(), text);
    }
    assert_eq!(Key::parse("nonsense@2025-10-01"), None);
    assert_eq!(Key::parse("cme:B801200005002@2025-10-06"), None);
}
