use rollcall_testkit::{Backend, database};

use crate::fixture::School;

/// `rollcall report cohorts` (the Analysis page's figures, as CSV) agrees with `rollcall report
/// attendance` over the same dates: all pupils, and girls and boys.
fn cohorts_agree_with_the_attendance_report(backend: Backend) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(database(backend));
    let school = School::new();
    assert_eq!(school.run(&["import", "--db", &db.url]).status, 0);
    let cohorts = crate::fixture::rollcall(
        &school.path(),
        &[
            "report",
            "cohorts",
            "--db",
            &db.url,
            "--period",
            "term",
            "--cut",
            "sex",
            "--at",
            "2025-10-24",
        ],
    );
    assert_eq!(cohorts.status, 0, "{}", cohorts.stderr);
    let report = crate::fixture::rollcall(
        &school.path(),
        &[
            "report",
            "attendance",
            "--db",
            &db.url,
            "--from",
            "2025-09-01",
            "--to",
            "2025-10-24",
            "--by",
            "sex",
            "--format",
            "csv",
        ],
    );
    assert_eq!(report.status, 0, "{}", report.stderr);
    let table = |text: &str| -> Vec<Vec<String>> {
        text.lines()
            .map(|l| l.split(',').map(str::to_owned).collect())
            .collect()
    };
    let (cohorts, report) = (table(&cohorts.stdout), table(&report.stdout));
    let column = |rows: &[Vec<String>], name: &str| rows[0].iter().position(|c| c == name).unwrap();
    let (possible, attendance) = (
        column(&cohorts, "possible_sessions"),
        column(&cohorts, "attendance_pct"),
    );
    let (r_possible, r_attendance, r_key) = (
        column(&report, "possible"),
        column(&report, "attendance_pct"),
        column(&report, "sex"),
    );
    for (cohort, sex) in [("Girls", "F"), ("Boys", "M")] {
        let c = cohorts.iter().find(|r| r[0] == cohort).unwrap();
        let r = report.iter().find(|r| r[r_key] == sex).unwrap();
        assert_eq!(c[possible], r[r_possible], "{cohort}");
        assert_eq!(c[attendance], r[r_attendance], "{cohort}");
    }
    let all = &cohorts[1];
    assert_eq!(all[0], "All pupils");
    let total: u64 = report
        .iter()
        .skip(1)
        .map(|r| r[r_possible].parse::<u64>().unwrap())
        .sum();
    assert_eq!(all[possible], total.to_string());
    let unknown = crate::fixture::rollcall(
        &school.path(),
        &["report", "cohorts", "--db", &db.url, "--cut", "shoe_size"],
    );
    assert_eq!(unknown.status, 1);
    assert!(
        unknown.stderr.contains("is not a cut"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn sqlite_cohorts_agree_with_the_attendance_report() {
    cohorts_agree_with_the_attendance_report(Backend::Sqlite);
}

#[test]
fn postgres_cohorts_agree_with_the_attendance_report() {
    cohorts_agree_with_the_attendance_report(Backend::Postgres);
}
