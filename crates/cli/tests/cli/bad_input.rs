use crate::fixture::{POLICY, PUPILS, School, marks};

/// Each row corrupts one file and names the message that must result.
#[test]
fn bad_input_is_named_and_nothing_is_written() {
    let good_marks = marks();
    let table: Vec<(&str, String, &str)> = vec![
        (
            "marks",
            good_marks.replacen(
                "B801200005001,2025-09-02,AM,/,",
                "B801200005001,2025-09-02,AM,H1,",
                1,
            ),
            "marks.csv, line 2, field code: \"H1\" is not an attendance code",
        ),
        (
            "marks",
            good_marks.replacen(
                "B801200005001,2025-09-02,AM,/,",
                "A801200005001,2025-09-02,AM,/,",
                1,
            ),
            "marks.csv, line 2, field upn: the check letter should be B, not A",
        ),
        (
            "marks",
            format!("{good_marks}B801200005001,2025-09-02,AM,I,\n"),
            "field session: B801200005001 already has a mark (/) for 2025-09-02 AM",
        ),
        (
            "marks",
            format!("{good_marks}H801200005005,2025-09-02,AM,/,\n"),
            "field upn: no pupil with UPN H801200005005 is in the pupils file",
        ),
        (
            "marks",
            format!("{good_marks}U801200005004,2025-09-05,AM,/,\n"),
            "field date: U801200005004 starts on Mon 8 Sep 2025, after this session on Fri 5 Sep 2025",
        ),
        (
            "marks",
            format!("{good_marks}B801200005001,2025-09-06,AM,/,\n"),
            "field date: the school calendar has no school session on 2025-09-06 AM",
        ),
        (
            "marks",
            good_marks.replacen(
                "B801200005001,2025-09-02,AM,/,",
                "B801200005001,2/9/2025,AM,/,",
                1,
            ),
            "marks.csv, line 2, field date: \"2/9/2025\" is not a date written YYYY-MM-DD",
        ),
        (
            "pupils",
            PUPILS.replace("2015-03-01", "2015-02-30"),
            "pupils.csv, line 2, field date_of_birth: \"2015-02-30\" is not a date on the calendar",
        ),
        (
            "policy",
            POLICY.replace("register_closes = 09:15", "register_closes = 09:45"),
            "policy.toml, line 8, field sessions.am.register_closes: the AM register stays open for late marks from 08:45:00 to 09:45:00, 60 minutes",
        ),
    ];
    for (file, text, message) in table {
        let school = match file {
            "marks" => School::with(PUPILS, &text, POLICY),
            "pupils" => School::with(&text, &good_marks, POLICY),
            _ => School::with(PUPILS, &good_marks, &text),
        };
        for report in ["attendance", "triggers"] {
            let run = school.run(&["report", report, "--format", "csv"]);
            assert_eq!(run.status, 1, "{message}");
            assert_eq!(run.stdout, "", "nothing is written: {message}");
            assert!(
                run.stderr.contains(message),
                "expected {message:?} in\n{}",
                run.stderr
            );
        }
    }
}

#[test]
fn a_missing_file_is_named() {
    let school = School::new();
    let run = crate::fixture::rollcall(
        &school.path(),
        &[
            "report",
            "attendance",
            "--pupils",
            "nowhere.csv",
            "--marks",
            "marks.csv",
        ],
    );
    assert_eq!(run.status, 1);
    assert!(
        run.stderr.contains("nowhere.csv: cannot open"),
        "{}",
        run.stderr
    );
}
