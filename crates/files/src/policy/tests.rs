use super::*;

const GOOD: &str = r#"
[school]
name = "Beecroft Primary School"
urn = "107924"
la_estab = "383/2042"

[sessions.am]
register_opens = 08:30
late_after = "08:40"
register_closes = 09:10
session_ends = 12:00

[sessions.pm]
register_opens = 13:15
register_closes = 13:45
session_ends = 15:15

[attendance]
target = 96

[[calendar.terms]]
name = "Autumn 2025"
first_day = 2025-09-01
last_day = "2025-12-19"
half_term = { first_day = 2025-10-27, last_day = 2025-10-31 }

[[calendar.closures]]
date = 2025-09-01
reason = "INSET day"

[[calendar.closures]]
date = 2025-12-19
reason = "Early finish"
sessions = "pm"
"#;

fn parse(text: &str) -> Result<Policy, String> {
    parse_policy(Path::new("policy.toml"), text).map_err(|e| e.to_string())
}

#[test]
fn reads_and_writes() {
    let policy = parse(GOOD).unwrap();
    assert_eq!(policy.am.late_after.to_string(), "08:40:00");
    assert_eq!(policy.attendance_target.unwrap().hundredths(), 9600);
    assert!(!policy.calendar.is_school_day(jiff::civil::date(2025, 9, 1)));
    let again = parse(&policy_to_toml(&policy)).unwrap();
    assert_eq!(policy_to_toml(&again), policy_to_toml(&policy));
    assert_eq!(again.calendar.closures(), policy.calendar.closures());
    // Teachers correct their own register until it closes, or the school's window after.
    assert_eq!(policy.teacher_correction_minutes, 0);
    let longer = GOOD.replace(
        "[sessions.am]",
        "[sessions]\nteacher_correction_minutes = 30\n\n[sessions.am]",
    );
    let policy = parse(&longer).unwrap();
    assert_eq!(policy.teacher_correction_minutes, 30);
    let again = parse(&policy_to_toml(&policy)).unwrap();
    assert_eq!(again.teacher_correction_minutes, 30);
    let until = policy.corrections_until(rollcall_core::SessionKey {
        date: jiff::civil::date(2025, 9, 10),
        session: rollcall_core::Session::Am,
    });
    assert_eq!(until.to_string(), "2025-09-10T09:40:00");
    // The weekly summary goes on Fridays unless the school names another day.
    assert_eq!(policy.weekly_summary, None);
    let summary = GOOD.replace(
        "target = 96",
        "target = 96\nweekly_summary_to = [\"head@beecroft.sch.uk\"]",
    );
    let policy = parse(&summary).unwrap();
    let sent = policy.weekly_summary.clone().unwrap();
    assert_eq!(sent.to, ["head@beecroft.sch.uk"]);
    assert_eq!(sent.day, Weekday::Friday);
    let again = parse(&policy_to_toml(&policy)).unwrap();
    assert_eq!(again.weekly_summary, policy.weekly_summary);
    let err = parse(&longer.replace("= 30", "= 300")).unwrap_err();
    assert!(
        err.contains("field sessions.teacher_correction_minutes: a teacher corrects a register within at most 240 minutes"),
        "{err}"
    );
}

#[test]
fn errors_name_line_and_key() {
    let table = [
        (
            "register_closes = 09:10",
            "register_closes = 09:20",
            "line 10, field sessions.am.register_closes: the AM register stays open for late marks from 08:40:00 to 09:20:00, 40 minutes",
        ),
        (
            "late_after = \"08:40\"",
            "late_after = \"8.40\"",
            "line 9, field sessions.am.late_after: \"8.40\" is not a time",
        ),
        (
            "urn = \"107924\"",
            "urn = \"10792\"",
            "line 4, field school.urn",
        ),
        (
            "target = 96",
            "target = 101",
            "field attendance.target: an attendance target is a percentage from 0 to 100; found 101",
        ),
        (
            "last_day = \"2025-12-19\"",
            "last_day = \"2025-19-12\"",
            "line 24, field calendar.terms[0].last_day: \"2025-19-12\" is not a date on the calendar",
        ),
        (
            "date = 2025-09-01",
            "date = 2025-09-06",
            "line 28, field calendar: the closure on 2025-09-06 (INSET day) is not on a school day",
        ),
        (
            "sessions = \"pm\"",
            "sessions = \"evening\"",
            "field calendar.closures[1].sessions",
        ),
        (
            "target = 96",
            "target = 96\nweekly_summary_to = [\"head at school\"]",
            "line 20, field attendance.weekly_summary_to: \"head at school\" is not an email address",
        ),
        (
            "target = 96",
            "target = 96\nweekly_summary_to = []\nweekly_summary_day = \"sunday\"",
            "line 21, field attendance.weekly_summary_day: the summary goes on a weekday",
        ),
        (
            "[attendance]",
            "[attendence]",
            "policy.toml, line 18: unknown field `attendence`",
        ),
    ];
    for (from, to, message) in table {
        let err = parse(&GOOD.replace(from, to)).unwrap_err();
        assert!(err.contains(message), "{to}\n{err}");
    }
}

#[test]
fn lateness_rules_are_read_and_checked() {
    // Seed 002 "Punctuality": the Head writes to the parents of a pupil persistently late.
    let rule = "\n[[procedures.lateness]]\nid = \"persistent\"\ncodes = [\"L\", \"U\"]\n\
        count = 5\nwithin_weeks = 4\nsteps = [{ id = \"letter\", kind = \"letter\", \
        what = \"Letter inviting the parents in\", who = \"Headteacher\" }]\n\
        source = \"Seed 002 'Punctuality'\"\n";
    let with = |text: &str| format!("{GOOD}{text}");
    let policy = parse(&with(rule)).unwrap();
    let read = &policy.procedures.lateness;
    assert_eq!(read.len(), 1);
    assert_eq!(
        read[0].codes,
        [
            rollcall_core::Code::Late,
            rollcall_core::Code::ArrivedAfterClose
        ]
    );
    assert_eq!((read[0].count, read[0].within_weeks), (5, 4));
    let table = [
        (
            "[\"L\", \"U\"]",
            "[\"L\", \"N\"]",
            "field procedures.lateness[0].codes: \"N\" is not a late code: L or U",
        ),
        (
            "count = 5",
            "count = 0",
            "field procedures.lateness: lateness rule \"persistent\": it needs a count and a number of weeks of 1 or more",
        ),
    ];
    for (from, to, message) in table {
        let err = parse(&with(rule).replace(from, to)).unwrap_err();
        assert!(err.contains(message), "{to}\n{err}");
    }
}

#[test]
fn a_school_may_spare_some_pupils_low_attendance_letters() {
    let with =
        |flags: &str| format!("{GOOD}\n[procedures.letters]\nskip_low_attendance = {flags}\n");
    let policy = parse(&with("[\"healthcare_plan\", \"ehcp\"]")).unwrap();
    assert_eq!(
        policy.procedures.skip_low_attendance_letters,
        [
            rollcall_core::Flag::HealthcarePlan,
            rollcall_core::Flag::Ehcp
        ]
    );
    let err = parse(&with("[\"asthma\"]")).unwrap_err();
    assert!(
        err.contains("field procedures.letters.skip_low_attendance: \"asthma\" is not a flag"),
        "{err}"
    );
}
