use crate::fixture::School;

#[test]
fn attendance_by_pupil_csv() {
    let school = School::new();
    let run = school.run(&["report", "attendance", "--by", "pupil", "--format", "csv"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let header = run.stdout.lines().next().unwrap();
    assert!(
        header.starts_with(
            "upn,possible,present,aea,authorised,unauthorised,attendance_pct,persistent,severe,"
        ),
        "{header}"
    );
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn attendance_by_group_in_every_format() {
    let school = School::new();
    for by in [
        "reg_group",
        "year_group",
        "school",
        "sex",
        "fsm",
        "eal",
        "sen",
    ] {
        let run = school.run(&["report", "attendance", "--by", by, "--format", "csv"]);
        assert_eq!(run.status, 0, "{}", run.stderr);
        insta::assert_snapshot!(format!("attendance_by_{by}"), run.stdout);
    }
    let run = school.run(&["report", "attendance", "--by", "reg_group"]);
    insta::assert_snapshot!(run.stdout);
    let run = school.run(&[
        "report",
        "attendance",
        "--by",
        "year_group",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    insta::assert_json_snapshot!(json);
}

#[test]
fn attendance_over_a_range() {
    let school = School::new();
    // The week of Ben's holiday only: his attendance is 0%, and Dan's N codes count too.
    let run = school.run(&[
        "report",
        "attendance",
        "--by",
        "pupil",
        "--format",
        "csv",
        "--from",
        "2025-10-06",
        "--to",
        "2025-10-10",
    ]);
    let rows: Vec<Vec<&str>> = run
        .stdout
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let ben = rows.iter().find(|r| r[0] == "Q801200005002").unwrap();
    assert_eq!(
        &ben[1..9],
        ["10", "0", "0", "0", "10", "0.00", "true", "true"]
    );
    let amy = rows.iter().find(|r| r[0] == "B801200005001").unwrap();
    assert_eq!(
        &amy[1..9],
        ["10", "10", "0", "0", "0", "100.00", "false", "false"]
    );
    let bad = school.run(&[
        "report",
        "attendance",
        "--from",
        "2025-10-10",
        "--to",
        "2025-10-06",
    ]);
    assert_ne!(bad.status, 0);
    assert!(bad.stderr.contains("before --from"), "{}", bad.stderr);
}

#[test]
fn triggers_csv() {
    let school = School::new();
    let run = school.run(&["report", "triggers"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    // Ben's holiday is 10 sessions in a week; Cara's illness is 15 school days; Dan has missed
    // 15 school days with N, so his run shows, and the N codes of 6 to 16 October are more than
    // 5 school days old on 24 October.
    assert_eq!(
        run.stdout,
        "upn,trigger,first_date,count\n\
         Q801200005002,penalty_notice_threshold,2025-10-10,10\n\
         E801200005003,sickness_return,2025-09-26,30\n\
         U801200005004,penalty_notice_threshold,2025-10-10,10\n\
         U801200005004,continuous_unauthorised_absence,2025-10-17,20\n\
         U801200005004,n_code_overdue,,18\n"
    );
    // On 17 October only the N codes of 6 to 9 October are overdue.
    let earlier = school.run(&["report", "triggers", "--on", "2025-10-17"]);
    assert!(
        earlier
            .stdout
            .ends_with("U801200005004,n_code_overdue,,8\n"),
        "{}",
        earlier.stdout
    );
}

#[test]
fn triggers_json_and_table() {
    let school = School::new();
    let run = school.run(&["report", "triggers", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    insta::assert_json_snapshot!(json);
    let run = school.run(&["report", "triggers", "--format", "table"]);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn without_a_policy_the_calendar_comes_from_the_marks() {
    let school = School::new();
    let dir = school.path();
    let with = school.run(&["report", "triggers"]);
    let without = crate::fixture::rollcall(
        &dir,
        &[
            "report",
            "triggers",
            "--pupils",
            "pupils.csv",
            "--marks",
            "marks.csv",
        ],
    );
    assert_eq!(without.status, 0, "{}", without.stderr);
    assert_eq!(with.stdout, without.stdout);
}
