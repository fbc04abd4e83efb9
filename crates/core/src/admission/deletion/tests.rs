use super::*;
use crate::admission::Registration;
use crate::calendar::{DateRange, Term};
use crate::ids::Upn;
use crate::pupil::YearGroup;
use crate::register::tests::{UPN, pupil};
use crate::register::{RegisterBuilder, Roll};
use jiff::civil::date;

/// Autumn 2025 with half term 27–31 October.
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
        vec![],
    )
    .unwrap()
}

/// The run of `G`/`N`/`O` up to `until` in a row of codes written from `first`, two a day.
fn run(first: Date, codes: &str, until: Date) -> usize {
    let calendar = calendar();
    let roll = Roll::new(vec![pupil(UPN)]).unwrap();
    let mut builder = RegisterBuilder::new(&roll);
    let upn = Upn::parse(UPN).unwrap();
    let mut slots = calendar.school_sessions(DateRange {
        first,
        last: date(2025, 12, 19),
    });
    for symbol in codes.split_whitespace() {
        let slot = slots.next().unwrap();
        if symbol == "-" {
            continue;
        }
        let code = Code::parse(symbol).unwrap();
        builder
            .record(&roll, &upn, slot.key(), code, None, Some(&calendar))
            .unwrap();
    }
    let register = builder.finish(roll);
    let id = register.find(&upn).unwrap();
    unexplained_run(register.row(id), &calendar, until)
}

fn repeat(code: &str, n: usize) -> String {
    vec![code; n].join(" ")
}

#[test]
fn the_run_towards_ground_i_counts_back_from_the_last_mark() {
    // Regulation 9(1)(i): every session of the 20 school days G, N or O.
    let mon = date(2025, 10, 6);
    let table: [(String, Date, usize); 7] = [
        // 20 school days from 6 October to 7 November, across half term.
        (repeat("N", 40), date(2025, 11, 14), 40),
        // A present mark in the middle ends the run at it.
        (
            format!("{} / {}", repeat("O", 20), repeat("G", 19)),
            date(2025, 11, 14),
            19,
        ),
        // X is not possible: passed over.
        (
            format!("{} X {}", repeat("N", 20), repeat("N", 19)),
            date(2025, 11, 14),
            39,
        ),
        // Sessions not yet taken at the end are passed over.
        (format!("{} - -", repeat("N", 40)), date(2025, 11, 20), 40),
        // An untaken session within the run ends it.
        (
            format!("{} - {}", repeat("N", 10), repeat("N", 10)),
            date(2025, 11, 20),
            10,
        ),
        // Counted only up to the date asked about.
        (repeat("N", 40), date(2025, 10, 10), 10),
        // I is illness: not unexplained.
        (format!("{} I", repeat("N", 40)), date(2025, 11, 20), 0),
    ];
    for (codes, until, expect) in table {
        assert_eq!(run(mon, &codes, until), expect, "{codes} until {until}");
    }
}

fn deletion(ground: Ground) -> Deletion {
    Deletion {
        ground,
        leaving_date: date(2025, 11, 14),
        other_school: None,
        evidence_date: None,
        enquiries: None,
        confirmed: true,
        note: String::new(),
    }
}

fn entry(registration: Registration, boarder: bool) -> Entry {
    Entry {
        address: "1 High Street".into(),
        last_school: String::new(),
        boarder,
        registration,
        other_school: registration.is_dual().then(|| "Ridgeway AP".into()),
        future_address: None,
        next_school: None,
    }
}

/// The fields refused for a deletion of the standard pupil (year 5, born 1 March 2015).
fn refused(d: &Deletion, pupil: &Pupil, entry: &Entry, sessions: usize) -> Vec<&'static str> {
    let facts = Facts {
        pupil,
        entry: Some(entry),
        unexplained_sessions: sessions,
        today: date(2025, 11, 20),
    };
    check(d, &facts)
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.field)
        .collect()
}

#[test]
fn each_ground_needs_what_regulation_9_asks() {
    let single = entry(Registration::Single, false);
    let dual = entry(Registration::Subsidiary, false);
    let boarder = entry(Registration::Single, true);
    let year5 = pupil(UPN);
    let nursery = Pupil {
        year_group: YearGroup::parse("N2").unwrap(),
        ..pupil(UPN)
    };
    let sixteen = Pupil {
        date_of_birth: date(2010, 1, 5),
        year_group: YearGroup::year(11).unwrap(),
        ..pupil(UPN)
    };
    let infant = Pupil {
        date_of_birth: date(2021, 6, 1),
        ..pupil(UPN)
    };
    let starts_later = Pupil {
        entry_date: Some(date(2025, 11, 17)),
        ..pupil(UPN)
    };
    let left = Pupil {
        leaving_date: Some(date(2025, 11, 1)),
        ..pupil(UPN)
    };
    let with = |ground, f: &dyn Fn(&mut Deletion)| {
        let mut d = deletion(ground);
        f(&mut d);
        d
    };
    let dated = |ground| with(ground, &|d| d.evidence_date = Some(date(2025, 11, 10)));
    let enquired = |ground| {
        with(ground, &|d| {
            d.enquiries = Some("With the LA's CME officer, 3 and 10 Nov".into());
            d.evidence_date = Some(date(2025, 10, 10));
        })
    };
    type Case<'a> = (
        &'a str,
        Deletion,
        &'a Pupil,
        &'a Entry,
        usize,
        &'a [&'a str],
    );
    let table: Vec<Case<'_>> = vec![
        // (a) names the other school; a dual registration ends under (c) instead.
        (
            "a",
            deletion(Ground::OtherSchool),
            &year5,
            &single,
            0,
            &["other_school", "evidence_date"],
        ),
        (
            "a ok",
            with(Ground::OtherSchool, &|d| {
                d.other_school = Some("Woburn Middle".into());
                d.evidence_date = Some(date(2025, 11, 24));
            }),
            &year5,
            &single,
            0,
            &[],
        ),
        (
            "a dual",
            with(Ground::OtherSchool, &|d| {
                d.other_school = Some("Woburn Middle".into());
                d.evidence_date = Some(date(2025, 11, 3));
            }),
            &year5,
            &dual,
            0,
            &["ground"],
        ),
        // (b) only for a nursery pupil, and only when of compulsory school age.
        (
            "b year 5",
            deletion(Ground::NurseryComplete),
            &year5,
            &single,
            0,
            &["ground"],
        ),
        (
            "b nursery",
            deletion(Ground::NurseryComplete),
            &nursery,
            &single,
            0,
            &[],
        ),
        // (c) needs a dual registration and the other school's consent.
        (
            "c single",
            with(Ground::DualEnded, &|d| {
                d.other_school = Some("Ridgeway AP".into());
                d.evidence_date = Some(date(2025, 11, 3));
            }),
            &year5,
            &single,
            0,
            &["ground"],
        ),
        (
            "c",
            with(Ground::DualEnded, &|d| {
                d.other_school = Some("Ridgeway AP".into())
            }),
            &year5,
            &dual,
            0,
            &["evidence_date"],
        ),
        // (f) needs the parent's written notice, dated no later than today.
        (
            "f",
            deletion(Ground::HomeEducation),
            &year5,
            &single,
            0,
            &["evidence_date"],
        ),
        (
            "f ok",
            dated(Ground::HomeEducation),
            &year5,
            &single,
            0,
            &[],
        ),
        (
            "f future",
            with(Ground::HomeEducation, &|d| {
                d.evidence_date = Some(date(2025, 11, 21))
            }),
            &year5,
            &single,
            0,
            &["evidence_date"],
        ),
        // (g) not for a boarder; (m) only for one.
        ("g", deletion(Ground::MovedAway), &year5, &single, 0, &[]),
        (
            "g boarder",
            deletion(Ground::MovedAway),
            &year5,
            &boarder,
            0,
            &["ground"],
        ),
        (
            "m",
            deletion(Ground::BoardingUnpaid),
            &year5,
            &single,
            0,
            &["ground"],
        ),
        (
            "m boarder",
            deletion(Ground::BoardingUnpaid),
            &year5,
            &boarder,
            0,
            &[],
        ),
        // (i) needs 20 school days of G/N/O and the joint enquiries recorded.
        (
            "i short",
            enquired(Ground::Missing),
            &year5,
            &single,
            39,
            &["ground"],
        ),
        (
            "i no enquiries",
            deletion(Ground::Missing),
            &year5,
            &single,
            40,
            &["enquiries"],
        ),
        ("i", enquired(Ground::Missing), &year5, &single, 40, &[]),
        // (k) the date of death.
        ("k", dated(Ground::Died), &year5, &single, 0, &[]),
        // (l) only in the school year the pupil's compulsory school age ends.
        (
            "l year 5",
            deletion(Ground::CompulsoryAgeEnds),
            &year5,
            &single,
            0,
            &["ground"],
        ),
        (
            "l",
            with(Ground::CompulsoryAgeEnds, &|d| {
                d.leaving_date = date(2026, 6, 26)
            }),
            &sixteen,
            &single,
            0,
            &[],
        ),
        // After the school leaving date a sixteen-year-old is not of compulsory school age.
        (
            "l after",
            with(Ground::CompulsoryAgeEnds, &|d| {
                d.leaving_date = date(2026, 7, 17)
            }),
            &sixteen,
            &single,
            0,
            &["ground"],
        ),
        // 9(3) only for a pupil not of compulsory school age, with its paragraph named.
        (
            "9(3) year 5",
            with(Ground::NotCompulsoryAge, &|d| d.note = "9(3)(b)".into()),
            &year5,
            &single,
            0,
            &["ground"],
        ),
        (
            "9(3) infant",
            deletion(Ground::NotCompulsoryAge),
            &infant,
            &single,
            0,
            &["note"],
        ),
        (
            "9(3) infant ok",
            with(Ground::NotCompulsoryAge, &|d| d.note = "9(3)(b)".into()),
            &infant,
            &single,
            0,
            &[],
        ),
        (
            "9(1) infant",
            deletion(Ground::MovedAway),
            &infant,
            &single,
            0,
            &["ground"],
        ),
        // Every ground is confirmed by the person deciding.
        (
            "unconfirmed",
            with(Ground::MovedAway, &|d| d.confirmed = false),
            &year5,
            &single,
            0,
            &["confirmed"],
        ),
        // The last day on roll is not before the starting day.
        (
            "before entry",
            deletion(Ground::MovedAway),
            &starts_later,
            &single,
            0,
            &["leaving_date"],
        ),
        (
            "left",
            deletion(Ground::MovedAway),
            &left,
            &single,
            0,
            &["leaving_date"],
        ),
    ];
    for (name, d, pupil, entry, sessions, expect) in table {
        assert_eq!(refused(&d, pupil, entry, sessions), expect, "{name}");
    }
}

#[test]
fn grounds_read_their_letters() {
    for g in Ground::ALL {
        assert_eq!(Ground::parse(g.id()), Some(g), "{g:?}");
    }
    assert_eq!(Ground::parse("(f)"), Some(Ground::HomeEducation));
    assert_eq!(Ground::parse("9(1)(i)"), Some(Ground::Missing));
    assert_eq!(Ground::parse("p"), None);
    assert_eq!(Ground::Missing.paragraph(), "regulation 9(1)(i)");
    assert_eq!(Ground::NotCompulsoryAge.paragraph(), "regulation 9(3)");
}
