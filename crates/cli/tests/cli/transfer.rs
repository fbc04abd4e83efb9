use rollcall_testkit::{Backend, database};

use crate::fixture::{POLICY, PUPILS, School, rollcall};

/// `rollcall ctf export` from one school and `rollcall ctf import` into the next: the next
/// school's CTF of the pupil carries the same figures, which are the first school's `report
/// attendance`; a damaged file is refused naming its line and element, and adds no one.
fn a_pupil_moves_with_their_ctf(backend: Backend) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (first_db, next_db) =
        runtime.block_on(async { (database(backend).await, database(backend).await) });
    let leaving = School::new();
    assert_eq!(leaving.run(&["import", "--db", &first_db.url]).status, 0);
    let header = PUPILS.lines().next().unwrap();
    let next = School::with(
        &format!("{header}\n"),
        "upn,date,session,code,minutes_late\n",
        &POLICY
            .replace("Fixture Primary", "Next Academy")
            .replace("801/2000", "802/4000"),
    );
    let run = next.run(&["import", "--db", &next_db.url]);
    assert_eq!(run.status, 0, "{}", run.stderr);

    let out = leaving.path().join("leaver.xml");
    let run = rollcall(
        &leaving.path(),
        &[
            "ctf",
            "export",
            "--db",
            &first_db.url,
            "--pupil",
            "Q801200005002",
            "--to",
            "802/4000",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    let file = std::fs::read_to_string(&out).unwrap();
    let report = rollcall(
        &leaving.path(),
        &[
            "report",
            "attendance",
            "--db",
            &first_db.url,
            "--from",
            "2025-09-01",
            "--to",
            "2025-10-24",
            "--by",
            "pupil",
            "--format",
            "csv",
        ],
    );
    assert_eq!(report.status, 0, "{}", report.stderr);
    let columns: Vec<&str> = report.stdout.lines().next().unwrap().split(',').collect();
    let line = report
        .stdout
        .lines()
        .find(|l| l.contains("Q801200005002"))
        .unwrap();
    let value = |name: &str| {
        let at = columns.iter().position(|c| *c == name).unwrap();
        line.split(',').nth(at).unwrap().to_owned()
    };
    for (column, element) in [
        ("possible", "SessionsPossible"),
        ("authorised", "SessionsAuthorised"),
        ("unauthorised", "SessionsUnauthorised"),
    ] {
        let wanted = format!("<{element}>{}</{element}>", value(column));
        assert!(file.contains(&wanted), "{wanted} in {file}");
    }
    assert_eq!(value("unauthorised"), "10", "a week of G");

    let who = [
        "--db",
        &next_db.url,
        "--by-name",
        "Tina Shaw",
        "--by-position",
        "Data manager",
    ];
    let import = |path: &str| {
        let mut args = vec!["ctf", "import", path];
        args.extend_from_slice(&who);
        args.extend_from_slice(&[
            "--group",
            "5C",
            "--starting-day",
            "2025-11-03",
            "--year",
            "5",
        ]);
        rollcall(&leaving.path(), &args)
    };
    let damaged = leaving.path().join("damaged.xml");
    std::fs::write(
        &damaged,
        file.replace("<DOB>2015-04-01</DOB>", "<DOB>2015-04-31</DOB>"),
    )
    .unwrap();
    let refused = import(damaged.to_str().unwrap());
    assert_eq!(refused.status, 1);
    assert!(refused.stderr.contains("damaged.xml"), "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("CTfile/CTFpupilData/Pupil[1]/DOB = \"2015-04-31\""),
        "{}",
        refused.stderr
    );
    let index = || {
        rollcall(
            &leaving.path(),
            &["pupil", "register", "--db", &next_db.url, "--format", "csv"],
        )
        .stdout
    };
    assert!(!index().contains("Baker"), "no one was added");

    let run = import(out.to_str().unwrap());
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(run.stdout.contains("1 pupils added"), "{}", run.stdout);
    assert!(index().contains("Baker"));

    let onward = rollcall(
        &leaving.path(),
        &[
            "ctf",
            "export",
            "--db",
            &next_db.url,
            "--pupil",
            "Q801200005002",
        ],
    );
    assert_eq!(onward.status, 0, "{}", onward.stderr);
    let attendance = |xml: &str| {
        xml[xml.find("<Attendance>").unwrap()..xml.find("</Attendance>").unwrap()].to_owned()
    };
    assert_eq!(attendance(&onward.stdout), attendance(&file));
}

#[test]
fn sqlite_a_pupil_moves_with_their_ctf() {
    a_pupil_moves_with_their_ctf(Backend::Sqlite);
}

#[test]
fn postgres_a_pupil_moves_with_their_ctf() {
    a_pupil_moves_with_their_ctf(Backend::Postgres);
}
