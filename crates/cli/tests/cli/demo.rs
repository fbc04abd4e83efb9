use crate::fixture::rollcall;

#[test]
fn demo_writes_a_school_year_and_reports_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = rollcall(
        dir.path(),
        &[
            "demo", "--out", "school", "--pupils", "420", "--seed", "3", "--year", "2025",
        ],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    for file in ["pupils.csv", "marks.csv", "policy.toml"] {
        assert!(dir.path().join("school").join(file).is_file(), "{file}");
    }
    assert!(run.stdout.contains("420 pupils"), "{}", run.stdout);
    assert!(run.stdout.contains("190 school days"), "{}", run.stdout);
    assert!(
        run.stdout.contains("penalty_notice_threshold"),
        "{}",
        run.stdout
    );
    // The same seed writes the same school.
    let again = rollcall(
        dir.path(),
        &[
            "demo", "--out", "again", "--pupils", "420", "--seed", "3", "--year", "2025",
        ],
    );
    assert_eq!(again.status, 0, "{}", again.stderr);
    let read = |d: &str| std::fs::read(dir.path().join(d).join("marks.csv")).unwrap();
    assert_eq!(read("school"), read("again"));

    let files = [
        "--pupils",
        "school/pupils.csv",
        "--marks",
        "school/marks.csv",
        "--policy",
        "school/policy.toml",
    ];
    let mut args = vec!["report", "attendance", "--by", "pupil", "--format", "csv"];
    args.extend(files);
    let report = rollcall(dir.path(), &args);
    assert_eq!(report.status, 0, "{}", report.stderr);
    assert_eq!(report.stdout.lines().count(), 421);
    let mut args = vec!["report", "triggers"];
    args.extend(files);
    let triggers = rollcall(dir.path(), &args);
    assert!(
        triggers
            .stdout
            .starts_with("upn,trigger,first_date,count\n"),
        "{}",
        triggers.stdout
    );
}

#[test]
fn demo_through_a_date() {
    let dir = tempfile::tempdir().unwrap();
    let run = rollcall(
        dir.path(),
        &[
            "demo",
            "--out",
            "school",
            "--pupils",
            "60",
            "--year",
            "2025",
            "--through",
            "2025-11-20",
        ],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("2025-09-01 to 2025-11-20"),
        "{}",
        run.stdout
    );
}
