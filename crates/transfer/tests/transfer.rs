//! Common transfer files written and read back: the figures survive, and bad files are refused
//! with the line, the element and the value.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use jiff::civil::{Date, DateTime, date};
use proptest::prelude::*;
use rollcall_core::history::YearAttendance;
use rollcall_core::stats::pupil_tally;
use rollcall_core::{
    AcademicYear, Calendar, Code, Contact, DateRange, LaEstab, Pupil, PupilId, RegisterBuilder,
    Roll, SenStatus, Session, Sex, Slot, Term, Upn, YearGroup,
};
use rollcall_transfer::marks::school_years;
use rollcall_transfer::{Ctf, Header, SourceSchool, outgoing, read, write};

fn school() -> LaEstab {
    LaEstab::parse("801/2001").unwrap()
}

fn pupil() -> Pupil {
    Pupil {
        upn: Upn::parse("A123456789012").unwrap(),
        legal_surname: "O'Brien & Sons".into(),
        legal_forename: "Zoë".into(),
        preferred_forename: None,
        date_of_birth: date(2014, 3, 2),
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

fn contact() -> Contact {
    Contact {
        name: "Aoife O'Brien".into(),
        relationship: "Mother".into(),
        parental_responsibility: true,
        lives_with_pupil: false,
        correspondence: true,
        salutation: None,
        priority: 1,
        phones: vec!["07700 900123".into(), "01632 960001".into()],
        email: Some("aoife@example.org".into()),
        address: Some("1 High Street, Bedford, MK40 1AA".into()),
        preferred_language: None,
        court_order: None,
        opted_out: false,
    }
}

fn calendar() -> Calendar {
    let term = |name: &str, first: Date, last: Date| Term {
        name: name.into(),
        dates: DateRange { first, last },
        half_term_break: None,
    };
    Calendar::from_terms(
        vec![
            term("Summer 2024", date(2024, 6, 3), date(2024, 7, 19)),
            term("Autumn 2024", date(2024, 9, 2), date(2024, 10, 25)),
        ],
        Vec::new(),
    )
    .unwrap()
}

fn header() -> Header {
    Header {
        version: "25.0".into(),
        made: DateTime::constant(2024, 10, 25, 15, 30, 0, 0),
        full: true,
        supplier: "rollcall".into(),
        source: SourceSchool {
            la_estab: school(),
            name: "Fixture Primary".into(),
            year: AcademicYear(2024),
        },
        destination: Some(LaEstab::parse("802/4000").unwrap()),
    }
}

/// A register of one pupil with a mark (or none) for each open session, drawn by `pick`.
fn register(pick: &[Option<usize>]) -> rollcall_core::Register {
    let roll = Roll::new(vec![pupil()]).unwrap();
    let calendar = calendar();
    let mut builder = RegisterBuilder::new(&roll);
    let span = calendar.span().unwrap();
    let slots: Vec<Slot> = calendar.school_sessions(span).collect();
    for (slot, choice) in slots.iter().zip(pick.iter().cycle()) {
        let Some(choice) = choice else { continue };
        let on = slot.key().date;
        let usable: Vec<Code> = Code::ALL
            .iter()
            .copied()
            .filter(|c| c.check_date(on).is_ok())
            .filter(|c| match (c, slot.session()) {
                (Code::PresentAm, Session::Pm) | (Code::PresentPm, Session::Am) => false,
                _ => !matches!(c, Code::PlannedClosure | Code::Prospective),
            })
            .collect();
        let code = usable[choice % usable.len()];
        builder.insert(PupilId(0), *slot, code, None).unwrap();
    }
    builder.finish(roll)
}

fn ctf_of(years: Vec<YearAttendance>) -> Ctf {
    Ctf {
        header: header(),
        pupils: vec![outgoing(&pupil(), vec![contact()], &[], years)],
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Export, import: every year's figures are the register's, and the marks string (with the
    /// 2024 two-character codes as letters) counts to them.
    #[test]
    fn a_register_survives_the_journey(pick in prop::collection::vec(prop::option::weighted(0.9, 0usize..64), 1..40)) {
        let register = register(&pick);
        let years = school_years(&register, PupilId(0), &calendar(), school(), "Fixture Primary");
        let sent = ctf_of(years.clone());
        let back = read(&write(&sent)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &sent);
        for year in &back.pupils[0].attendance {
            let range = DateRange { first: year.year.first_day(), last: year.year.last_day() };
            let tally = pupil_tally(&register, PupilId(0), range);
            prop_assert_eq!(u64::from(year.possible), tally.possible);
            prop_assert_eq!(u64::from(year.attended), tally.attended());
            prop_assert_eq!(u64::from(year.authorised), tally.authorised);
            prop_assert_eq!(u64::from(year.unauthorised), tally.unauthorised);
        }
    }

    /// Damaged files are refused with a line inside the file and an element, never a panic.
    #[test]
    fn damaged_files_get_clear_errors(cut in 0usize..4000, at in 0usize..4000, junk in "[<>/&;#a-z0-9 \n-]{0,6}") {
        let text = write(&ctf_of(school_years(&register(&[Some(3), None, Some(40)]), PupilId(0), &calendar(), school(), "Fixture Primary")));
        let lines = text.lines().count() + 1;
        let cut = cut.min(text.len());
        let at = at.min(text.len());
        let truncated: String = text.chars().take(cut).collect();
        let mut spliced: String = text.chars().take(at).collect();
        spliced.push_str(&junk);
        spliced.extend(text.chars().skip(at + junk.len()));
        for damaged in [truncated, spliced] {
            if let Err(e) = read(&damaged) {
                prop_assert!(e.line >= 1 && e.line <= lines, "{e}");
                prop_assert!(!e.problem.is_empty());
            }
        }
    }
}

#[test]
fn the_two_character_codes_travel_as_their_letter() {
    let roll = Roll::new(vec![pupil()]).unwrap();
    let mut builder = RegisterBuilder::new(&roll);
    let monday = date(2024, 9, 2);
    let marks = [
        Code::PresentAm,
        Code::Performance,
        Code::Interview,
        Code::PartTimeTimetable,
        Code::TransportUnavailable,
        Code::PublicHealth,
    ];
    for (i, code) in marks.into_iter().enumerate() {
        let slot = Slot(Slot::new(monday, Session::Am).0 + i32::try_from(i).unwrap());
        builder.insert(PupilId(0), slot, code, None).unwrap();
    }
    let register = builder.finish(roll);
    let years = school_years(
        &register,
        PupilId(0),
        &calendar(),
        school(),
        "Fixture Primary",
    );
    let sessions = years[0].sessions.as_ref().unwrap();
    assert_eq!(sessions.first, monday);
    assert_eq!(sessions.marks, "/CJCYY");
    assert_eq!(
        (years[0].possible, years[0].attended, years[0].authorised),
        (4, 1, 3)
    );
    let back = read(&write(&ctf_of(years.clone()))).unwrap();
    assert_eq!(back.pupils[0].attendance, years);
}

fn valid() -> String {
    write(&ctf_of(school_years(
        &register(&[Some(1), Some(7)]),
        PupilId(0),
        &calendar(),
        school(),
        "Fixture Primary",
    )))
}

/// Each damage names its element and value (issue: "every error naming the element and value").
#[test]
fn bad_values_name_their_element() {
    let text = valid();
    let table: [(&str, &str, &str, &str); 8] = [
        (
            "<DOB>2014-03-02</DOB>",
            "<DOB>2014-13-02</DOB>",
            "CTfile/CTFpupilData/Pupil[1]/DOB",
            "2014-13-02",
        ),
        (
            "<Sex>F</Sex>",
            "<Sex>Q</Sex>",
            "CTfile/CTFpupilData/Pupil[1]/Sex",
            "Q",
        ),
        (
            "<CTFversion>25.0</CTFversion>",
            "<CTFversion>19.0</CTFversion>",
            "CTfile/Header/CTFversion",
            "19.0",
        ),
        (
            "<LEA>801</LEA>",
            "<LEA>8O1</LEA>",
            "CTfile/Header/SourceSchool/LEA",
            "8O1",
        ),
        (
            "<SessionsPossible>",
            "<SessionsPossible>9",
            "CTfile/CTFpupilData/Pupil[1]/Attendance/YearData[1]/AttendSessions/AttendanceMarks",
            "",
        ),
        (
            "<AttendanceMarks>",
            "<AttendanceMarks>H",
            "CTfile/CTFpupilData/Pupil[1]/Attendance/YearData[1]/AttendSessions/AttendanceMarks",
            "",
        ),
        ("<UPN>", "<UPN>X", "CTfile/CTFpupilData/Pupil[1]/UPN", ""),
        (
            "<Responsibility>true</Responsibility>",
            "<Responsibility>maybe</Responsibility>",
            "CTfile/CTFpupilData/Pupil[1]/Contacts/Contact[1]/Responsibility",
            "maybe",
        ),
    ];
    for (find, replace, element, value) in table {
        assert!(text.contains(find), "{find}");
        let bad = text.replacen(find, replace, 1);
        let err = read(&bad).expect_err(replace);
        assert_eq!(err.element, element, "{err}");
        if !value.is_empty() {
            assert_eq!(err.value.as_deref(), Some(value), "{err}");
        }
        let tag = format!(
            "<{}>",
            element
                .rsplit('/')
                .next()
                .unwrap()
                .split('[')
                .next()
                .unwrap()
        );
        let line = bad.lines().position(|l| l.contains(&tag)).unwrap() + 1;
        assert_eq!(err.line, line, "{err}");
    }
}

#[test]
fn missing_and_malformed_files_are_refused() {
    let text = valid();
    let no_dob = text.replacen(&format!("<DOB>{}</DOB>", date(2014, 3, 2)), "", 1);
    let err = read(&no_dob).unwrap_err();
    assert_eq!(err.element, "CTfile/CTFpupilData/Pupil[1]/DOB");
    assert_eq!(err.problem, "is missing");
    let twice = text.replacen(
        "</CTFpupilData>",
        &format!(
            "{}</CTFpupilData>",
            &text[text.find("<Pupil>").unwrap()..text.find("</Pupil>").unwrap() + 8]
        ),
        1,
    );
    assert!(
        read(&twice)
            .unwrap_err()
            .problem
            .contains("already in the file")
    );
    assert!(read("").unwrap_err().problem.contains("no XML"));
    assert!(read("<Other/>").unwrap_err().problem.contains("<CTfile>"));
    let doctype =
        "<!DOCTYPE CTfile [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><CTfile>&x;</CTfile>";
    assert!(read(doctype).unwrap_err().problem.contains("DOCTYPE"));
    let cut = &text[..text.len() / 2];
    assert!(read(cut).is_err());
}

#[test]
fn gender_from_ctf_24_and_unknown_elements_are_read() {
    let text = valid()
        .replacen(
            "<Sex>F</Sex>",
            "<Gender>F</Gender><FSMhistory><FSMstartDate>2020-01-01</FSMstartDate></FSMhistory>",
            1,
        )
        .replacen(
            "<CTFversion>25.0</CTFversion>",
            "<CTFversion>24.0</CTFversion>",
            1,
        );
    let ctf = read(&text).unwrap();
    assert_eq!(ctf.pupils[0].sex, Sex::Female);
    assert_eq!(ctf.header.version, "24.0");
    assert_eq!(ctf.pupils[0].contacts, vec![contact()]);
    let unknown = valid()
        .replacen("<LEA>802</LEA>", "<LEA>MMM</LEA>", 1)
        .replacen("<Estab>4000</Estab>", "<Estab>MMMM</Estab>", 1);
    assert_eq!(read(&unknown).unwrap().header.destination, None);
}
