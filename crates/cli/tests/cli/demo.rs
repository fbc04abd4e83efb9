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

/// A year written as Parquet gives every report exactly the figures its CSV gives.
#[test]
fn demo_as_parquet_reports_what_csv_reports() {
    let dir = tempfile::tempdir().unwrap();
    for (out, extra) in [("csv", None), ("parquet", Some("--parquet"))] {
        let mut args = vec![
            "demo", "--out", out, "--pupils", "300", "--seed", "5", "--year", "2025",
        ];
        args.extend(extra);
        let run = rollcall(dir.path(), &args);
        assert_eq!(run.status, 0, "{}", run.stderr);
    }
    let parquet = dir.path().join("parquet").join("marks.parquet");
    assert!(parquet.is_file());
    assert!(!dir.path().join("parquet").join("marks.csv").exists());
    let csv_size = std::fs::metadata(dir.path().join("csv").join("marks.csv"))
        .unwrap()
        .len();
    let parquet_size = std::fs::metadata(&parquet).unwrap().len();
    assert!(
        parquet_size * 5 < csv_size,
        "{parquet_size} against {csv_size}"
    );

    let report = |marks: &str, report: &[&str]| {
        let mut args = report.to_vec();
        args.extend([
            "--pupils",
            "csv/pupils.csv",
            "--marks",
            marks,
            "--policy",
            "csv/policy.toml",
        ]);
        let run = rollcall(dir.path(), &args);
        assert_eq!(run.status, 0, "{}", run.stderr);
        run.stdout
    };
    for args in [
        &["report", "attendance", "--by", "pupil", "--format", "csv"][..],
        &[
            "report",
            "attendance",
            "--by",
            "reg_group",
            "--format",
            "json",
        ],
        &["report", "triggers", "--format", "json"],
    ] {
        let from_csv = report("csv/marks.csv", args);
        assert!(from_csv.lines().count() > 10, "{from_csv}");
        assert_eq!(from_csv, report("parquet/marks.parquet", args), "{args:?}");
    }

    // A mark from a pupil not in the pupils file names the file, the row and the field.
    std::fs::write(
        dir.path().join("school-of-one.csv"),
        std::fs::read_to_string(dir.path().join("csv").join("pupils.csv"))
            .unwrap()
            .lines()
            .take(2)
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let run = rollcall(
        dir.path(),
        &[
            "report",
            "attendance",
            "--pupils",
            "school-of-one.csv",
            "--marks",
            "parquet/marks.parquet",
        ],
    );
    assert_ne!(run.status, 0);
    assert!(
        run.stderr.contains("parquet/marks.parquet, row ")
            && run.stderr.contains(", field upn: no pupil with UPN"),
        "{}",
        run.stderr
    );
}
