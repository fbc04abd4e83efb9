//! Cohorts agree with the report's groups, and last year is the same dates a year before.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use jiff::civil::{Date, date};
use rollcall_analytics::cohorts::Circumstances;
use rollcall_analytics::{Cut, PupilOrder, cohort_pupils, cohort_table, gap, last_year, points};
use rollcall_core::procedures::Flag;
use rollcall_core::{
    Code, DateRange, GroupBy, GroupSummary, Pupil, PupilId, Rating, RegisterBuilder, Roll,
    SenStatus, Session, Sex, Slot, Upn, YearGroup, summarise,
};

fn pupil(n: usize, sex: Sex, pp: bool) -> Pupil {
    Pupil {
        upn: Upn::issue(&format!("80120000{n:04}")).unwrap(),
        legal_surname: format!("Pupil{n}"),
        legal_forename: "Test".into(),
        preferred_forename: None,
        date_of_birth: date(2015, 1, 1),
        sex,
        year_group: YearGroup::year(5).unwrap(),
        reg_group: "5A".into(),
        entry_date: None,
        leaving_date: None,
        fsm: false,
        eal: false,
        pupil_premium: pp,
        sen: SenStatus::None,
        school: None,
    }
}

/// Four pupils over eight school days in November, this year and last: the nth pupil absent
/// for the first n days, and two days more last year.
fn register() -> rollcall_core::Register {
    let roll = Roll::new(vec![
        pupil(1, Sex::Female, true),
        pupil(2, Sex::Male, false),
        pupil(3, Sex::Female, false),
        pupil(4, Sex::Male, true),
    ])
    .unwrap();
    let mut b = RegisterBuilder::new(&roll);
    for (start, shift) in [(date(2025, 11, 3), 0usize), (date(2024, 11, 4), 2)] {
        for day in 0..10i64 {
            let d: Date = start.checked_add(jiff::Span::new().days(day)).unwrap();
            if d.weekday().to_monday_one_offset() > 5 {
                continue;
            }
            for (i, _) in roll.pupils().iter().enumerate() {
                for session in [Session::Am, Session::Pm] {
                    let absent = usize::try_from(day).unwrap() < i + shift;
                    let code = match (absent, session) {
                        (true, _) => Code::OtherUnauthorised,
                        (false, Session::Am) => Code::PresentAm,
                        (false, Session::Pm) => Code::PresentPm,
                    };
                    let id = PupilId(u32::try_from(i).unwrap());
                    b.insert(id, Slot::new(d, session), code, None).unwrap();
                }
            }
        }
    }
    b.finish(roll)
}

#[test]
fn cohorts_are_the_reports_groups() {
    let register = register();
    let now = DateRange {
        first: date(2025, 11, 3),
        last: date(2025, 11, 14),
    };
    let none = |_: PupilId, _: DateRange| Circumstances::default();
    let all = cohort_table(&register, Cut::All, now, last_year(now), &none);
    let report = summarise(&register, now, GroupBy::All);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].now.tally, report[0].tally);
    assert_eq!(all[0].now.persistent, report[0].persistent);
    let sexes = cohort_table(&register, Cut::Sex, now, last_year(now), &none);
    let by_sex = summarise(&register, now, GroupBy::Sex);
    assert_eq!(
        sexes.iter().map(|r| r.now.tally).collect::<Vec<_>>(),
        by_sex.iter().map(|g| g.tally).collect::<Vec<_>>()
    );
    let pp = cohort_table(&register, Cut::PupilPremium, now, last_year(now), &none);
    let by_pp = summarise(&register, now, GroupBy::PupilPremium);
    assert_eq!(pp[0].cohort, "Pupil premium");
    assert_eq!(
        pp[0].now.tally,
        by_pp
            .iter()
            .find(|g| g.key == rollcall_core::GroupKey::PupilPremium(true))
            .unwrap()
            .tally
    );
}

#[test]
fn last_year_is_compared_cohort_by_cohort() {
    let register = register();
    let now = DateRange {
        first: date(2025, 11, 3),
        last: date(2025, 11, 14),
    };
    let none = |_: PupilId, _: DateRange| Circumstances::default();
    let rows = cohort_table(&register, Cut::All, now, last_year(now), &none);
    let before = rows[0].last_year.as_ref().unwrap();
    // Eight school days each for four pupils; last year each was absent two more days.
    assert_eq!(rows[0].now.tally.possible, 64);
    assert_eq!(before.tally.possible, 64);
    assert_eq!(rows[0].now.tally.unauthorised, 12);
    assert_eq!(before.tally.unauthorised, 12 + 16);
    let change = gap(
        rows[0].now.tally.attendance_rate(),
        before.tally.attendance_rate(),
    )
    .unwrap();
    // 52/64 = 81.25% against 36/64 = 56.25%.
    assert_eq!(points(change), "+25.00");
}

#[test]
fn circumstances_in_the_period_make_the_cohort() {
    let register = register();
    let now = DateRange {
        first: date(2025, 11, 3),
        last: date(2025, 11, 14),
    };
    let looked_after = |id: PupilId, range: DateRange| {
        let flags = match id == PupilId(0) && range.first.year() == 2025 {
            true => vec![Flag::LookedAfter],
            false => Vec::new(),
        };
        Circumstances {
            flags,
            rating: None,
        }
    };
    let rows = cohort_table(
        &register,
        Cut::LookedAfter,
        now,
        last_year(now),
        &looked_after,
    );
    assert_eq!(rows[0].cohort, "Looked after");
    assert_eq!(rows[0].now.pupils, 1);
    assert!(rows[0].last_year.is_none(), "not looked after last year");
    assert_eq!(rows[1].now.pupils, 3);
}

#[test]
fn a_cohorts_pupils_add_up_to_its_figures() {
    let register = register();
    let now = DateRange {
        first: date(2025, 11, 3),
        last: date(2025, 11, 14),
    };
    let none = |_: PupilId, _: DateRange| Circumstances::default();
    for row in cohort_table(&register, Cut::Sex, now, last_year(now), &none) {
        let pupils = cohort_pupils(
            &register,
            Cut::Sex,
            &row.cohort,
            now,
            &none,
            PupilOrder::Name,
        );
        let mut sum = GroupSummary::new(row.now.key.clone());
        for p in &pupils {
            sum.merge(p);
        }
        assert_eq!(sum, row.now, "{}", row.cohort);
    }
    // Girls are the first and third pupils, absent one day and three: the third first.
    let girls = cohort_pupils(
        &register,
        Cut::Sex,
        "Girls",
        now,
        &none,
        PupilOrder::Attendance,
    );
    let order: Vec<PupilId> = girls.iter().map(|g| g.key).collect();
    assert_eq!(order, [PupilId(2), PupilId(0)]);
    assert_eq!(girls[0].tally.unauthorised, 4);
}

#[test]
fn pupils_are_cut_by_their_vulnerability_rating() {
    let register = register();
    let now = DateRange {
        first: date(2025, 11, 3),
        last: date(2025, 11, 14),
    };
    // Seed 000 appendix 2: the school rates pupils red, amber or green.
    let rated = |id: PupilId, _: DateRange| Circumstances {
        flags: Vec::new(),
        rating: match id.0 {
            0 => Some(Rating::Red),
            1 | 2 => Some(Rating::Amber),
            _ => None,
        },
    };
    let rows = cohort_table(&register, Cut::Vulnerability, now, now, &rated);
    let cohorts: Vec<(&str, u64)> = rows
        .iter()
        .map(|r| (r.cohort.as_str(), r.now.pupils))
        .collect();
    assert_eq!(
        cohorts,
        [
            ("Red: complex or acute", 1),
            ("Amber: vulnerable", 2),
            ("Not rated", 1)
        ]
    );
}

/// Autumn 2025 with its half term, and two pupils to 21 November: the first misses every
/// Monday morning, the first day of term, the Friday before half term and the Monday after,
/// and three days in November; the second misses nothing.
#[test]
fn a_pupils_signs_are_found() {
    use jiff::civil::Weekday;
    use rollcall_analytics::signs::{SPELL_SESSIONS, signs};
    use rollcall_core::{Calendar, Term};
    let calendar = Calendar::from_terms(
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
    .unwrap();
    let today = date(2025, 11, 21);
    let roll = Roll::new(vec![
        pupil(1, Sex::Female, false),
        pupil(2, Sex::Male, false),
    ])
    .unwrap();
    let mut b = RegisterBuilder::new(&roll);
    let mut day = date(2025, 9, 1);
    while day <= today {
        if calendar.is_school_day(day) {
            for session in [Session::Am, Session::Pm] {
                let away = match (day.weekday(), session) {
                    (Weekday::Monday, Session::Am) => true,
                    _ => [
                        date(2025, 9, 1),
                        date(2025, 10, 24),
                        date(2025, 11, 3),
                        date(2025, 11, 12),
                        date(2025, 11, 13),
                        date(2025, 11, 14),
                    ]
                    .contains(&day),
                };
                let present = match session {
                    Session::Am => Code::PresentAm,
                    Session::Pm => Code::PresentPm,
                };
                let code = if away { Code::Illness } else { present };
                b.insert(PupilId(0), Slot::new(day, session), code, None)
                    .unwrap();
                b.insert(PupilId(1), Slot::new(day, session), present, None)
                    .unwrap();
            }
        }
        day = day.tomorrow().unwrap();
    }
    let register = b.finish(roll);
    let found = signs(&register, &calendar, PupilId(0), today);
    // One spell, from 12 November into Monday 17's morning; the four sessions across half
    // term (24 Oct to 3 Nov) are too few.
    let spells: Vec<(Date, Date, u32)> = found
        .spells
        .iter()
        .map(|s| (s.first.key().date, s.last.key().date, s.sessions))
        .collect();
    assert_eq!(
        spells,
        [(date(2025, 11, 12), date(2025, 11, 17), SPELL_SESSIONS + 1)]
    );
    assert_eq!(found.repeated, [Weekday::Monday], "{:?}", found.days);
    assert_eq!(found.days[0].missed, 11);
    assert_eq!(found.days[0].days, 11);
    assert_eq!(
        found.around_holidays,
        [date(2025, 9, 1), date(2025, 10, 24), date(2025, 11, 3)]
    );
    assert!(found.holiday_pattern());
    // 11 of 80 sessions missed before half term (86.25%), 10 of 30 since (66.67%).
    assert_eq!(found.last_half.unwrap().absent(), 11);
    assert_eq!(found.this_half.absent(), 10);
    assert_eq!(found.this_half.possible, 30);
    assert_eq!(found.change().map(points).as_deref(), Some("-19.58"));
    assert!(found.worsening());
    assert!(found.any());

    let steady = signs(&register, &calendar, PupilId(1), today);
    assert!(!steady.any(), "{steady:?}");
    assert!(steady.spells.is_empty() && steady.repeated.is_empty());
}

#[test]
fn the_meeting_sees_every_pupil_of_concern_and_their_trend() {
    use rollcall_analytics::caseload::caseload;
    let register = register();
    let calendar = register.inferred_calendar();
    let procedures = rollcall_core::Procedures::default();
    let today = date(2025, 11, 14);
    let lines = caseload(
        &register,
        &calendar,
        &procedures,
        |_| rollcall_core::Standing::default(),
        Some(date(2025, 11, 7)),
        today,
    );
    // The first pupil missed nothing; the others missed one, two and three days of eight.
    let order: Vec<PupilId> = lines.iter().map(|l| l.id).collect();
    assert_eq!(order, [PupilId(3), PupilId(2), PupilId(1)]);
    // The fourth: 4 of 10 sessions by the last meeting (40%), 10 of 16 now (62.50%).
    assert_eq!(
        lines[0].since_last_meeting().map(points).as_deref(),
        Some("+22.50")
    );
}

#[test]
fn a_steps_impact_is_measured_before_and_since() {
    use rollcall_analytics::caseload::{Step, impact};
    let register = register();
    let step = |pupil: u32, on: Date| Step {
        pupil: PupilId(pupil),
        rule: "stage.support.letter_1".into(),
        on,
    };
    let steps = [
        step(3, date(2025, 11, 10)),
        // Again for the same pupil: counted once, from the first.
        step(3, date(2025, 11, 12)),
        step(0, date(2025, 11, 10)),
        // Before the period.
        step(2, date(2025, 10, 1)),
    ];
    let period = DateRange {
        first: date(2025, 11, 3),
        last: date(2025, 11, 14),
    };
    let found = impact(&register, &steps, period, date(2025, 11, 14));
    assert_eq!(found.len(), 1);
    let letter = &found[0];
    assert_eq!((letter.pupils, letter.measured, letter.improved), (2, 2, 1));
    // The fourth pupil: 40% before, 100% since (+60 points); the first: 100% both (0).
    assert_eq!(letter.mean_change, Some(3000));
}

/// One small cohort withheld alone could be worked out from all pupils less the others, so the
/// next smallest is withheld too; all pupils are still shown.
#[test]
fn a_small_cohort_is_withheld_with_the_next_smallest() {
    use rollcall_analytics::{CohortReport, Period};
    let register = register();
    let calendar = register.inferred_calendar();
    let range = DateRange {
        first: date(2025, 11, 3),
        last: date(2025, 11, 14),
    };
    let looked_after = |id: PupilId, _: DateRange| Circumstances {
        flags: match id == PupilId(0) {
            true => vec![Flag::LookedAfter],
            false => Vec::new(),
        },
        rating: None,
    };
    let mut report = CohortReport::build(
        &register,
        &calendar,
        Cut::LookedAfter,
        Period::Dates(range),
        range.last,
        &looked_after,
    );
    report.suppress(2);
    let shown: Vec<(&str, bool)> = std::iter::once(&report.all)
        .chain(&report.rows)
        .map(|r| (r.cohort.as_str(), r.suppressed))
        .collect();
    assert_eq!(
        shown,
        [
            ("All pupils", false),
            ("Looked after", true),
            ("Not looked after", true)
        ]
    );
    let lines: Vec<[String; 16]> = report.lines().collect();
    assert_eq!(lines[2][3], "c", "the complement is not shown either");
    // With no cohort small, nothing is withheld.
    report.suppress(1);
    assert!(report.rows.iter().all(|r| !r.suppressed));
}

#[test]
fn the_qa_report_counts_each_group_and_the_persistently_absent() {
    use rollcall_analytics::Period;
    use rollcall_analytics::qa::qa_figures;
    let register = register();
    let calendar = register.inferred_calendar();
    let range = DateRange {
        first: date(2025, 11, 3),
        last: date(2025, 11, 14),
    };
    let f = qa_figures(&register, &calendar, Period::Dates(range), range.last);
    let names: Vec<&str> = f.groups.iter().map(|g| g.name).collect();
    assert_eq!(
        names,
        ["All pupils", "Pupil premium", "SEND", "EHCP", "EAL"]
    );
    // All pupils: 12 of 64 sessions missed now, 28 the same dates last year.
    let all = &f.groups[0];
    assert_eq!(all.now.tally.absent(), 12);
    assert_eq!(all.same_dates.tally.absent(), 28);
    assert_eq!(all.change().map(points).as_deref(), Some("+25.00"));
    // Pupil premium: the first and fourth pupils, who missed none and three days.
    assert_eq!(f.groups[1].now.pupils, 2);
    assert_eq!(f.groups[1].now.tally.absent(), 6);
    assert_eq!(f.groups[2].now.pupils, 0, "no pupil has SEN");
    // Last school year (2024/25) holds November 2024's marks.
    assert_eq!(f.last_year.first, date(2024, 9, 1));
    assert_eq!(all.last_year.tally.possible, 64);
    // Three of four missed 10% or more; one of them is pupil premium.
    assert_eq!(f.persistent.pupils, 3);
    assert_eq!(f.persistent.pupil_premium, 1);
    assert_eq!(f.weeks.len(), 2);
}

#[test]
fn the_weekly_summary_gives_the_reports_figures() {
    use rollcall_analytics::summary::{Reports, weekly};
    use rollcall_analytics::{CohortReport, National, Period};
    let register = register();
    let calendar = register.inferred_calendar();
    let today = date(2025, 11, 12);
    let none = |_: PupilId, _: DateRange| Circumstances::default();
    let report = |cut, period| CohortReport::build(&register, &calendar, cut, period, today, &none);
    let (week, year, classes) = (
        report(Cut::All, Period::Week),
        report(Cut::All, Period::YearToDate),
        report(Cut::RegGroup, Period::Week),
    );
    let summary = weekly(
        "Beecroft",
        &Reports {
            week: &week,
            year: &year,
            classes: &classes,
        },
        &National::published().unwrap(),
        None,
        "https://rollcall.example/s/1/analytics?period=week",
    );
    assert_eq!(
        summary.subject,
        "Attendance at Beecroft: week beginning Mon 10 Nov 2025, 100.00%"
    );
    for part in [
        // Nobody missed a session this week, nor the same days last year.
        "This week, Mon 10 Nov 2025 to Wed 12 Nov 2025: attendance 100.00% (the same dates last year 100.00%, 0.00 points)",
        // 12 of 64 sessions missed this year; three of the four pupils missed 10% or more.
        "This year so far, Mon 1 Sep 2025 to Wed 12 Nov 2025: attendance 81.25%",
        "persistently absent 3 of the 4 pupils with sessions (75.00%), severely absent 0 (0.00%).",
        "England (all schools, 2023/24, full year): attendance 92.90%, persistent absence 20.00%.",
        "Registration groups this week, lowest first: 5A 100.00%.",
        "and the pupils behind it: https://rollcall.example/s/1/analytics?period=week",
    ] {
        assert!(summary.body.contains(part), "{part}\n{}", summary.body);
    }
}
