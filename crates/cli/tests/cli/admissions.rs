use rollcall_testkit::{Backend, database};

use crate::fixture::{School, rollcall};

/// `rollcall pupil admit`, `delete` and `register` on an imported school: refusals name their
/// fields and change nothing; the index is alphabetical and keeps the pupil who left.
fn admit_delete_and_list(backend: Backend) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(database(backend));
    let school = School::new();
    let run = school.run(&["import", "--db", &db.url]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let who = [
        "--db",
        &db.url,
        "--by-name",
        "Tina Shaw",
        "--by-position",
        "Data manager",
    ];
    let admit = |extra: &[&str]| {
        let mut args = vec!["pupil", "admit"];
        args.extend_from_slice(&who);
        args.extend_from_slice(&[
            "--upn",
            "X801200005006",
            "--surname",
            "Fox",
            "--forename",
            "Finn",
            "--born",
            "2015-05-01",
            "--sex",
            "M",
            "--year",
            "5",
            "--group",
            "5A",
            "--starting-day",
            "2025-09-15",
            "--address",
            "4 Church Lane, Woburn",
            "--parent",
            "Fiona Fox",
            "--parent-phone",
            "07700 900123",
        ]);
        args.extend_from_slice(extra);
        rollcall(&school.path(), &args)
    };
    let register = || {
        let run = rollcall(
            &school.path(),
            &["pupil", "register", "--db", &db.url, "--format", "csv"],
        );
        assert_eq!(run.status, 0, "{}", run.stderr);
        run.stdout
    };

    let refused = admit(&["--registration", "M"]);
    assert_eq!(refused.status, 1);
    assert!(
        refused
            .stderr
            .contains("other_school: Name the other school of a dual registration"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        register().lines().count(),
        5,
        "a header and the four imported pupils"
    );

    let run = admit(&[]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("Admitted Finn Fox (X801200005006) to 5A"),
        "{}",
        run.stdout
    );
    let surnames: Vec<String> = register()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().to_owned())
        .collect();
    assert_eq!(surnames, ["Able", "Baker", "Cole", "Dale", "Fox"]);

    let delete = |extra: &[&str]| {
        let mut args = vec!["pupil", "delete"];
        args.extend_from_slice(&who);
        args.extend_from_slice(&[
            "--upn",
            "X801200005006",
            "--ground",
            "f",
            "--leaving-date",
            "2025-10-03",
        ]);
        args.extend_from_slice(extra);
        rollcall(&school.path(), &args)
    };
    let refused = delete(&[]);
    assert_eq!(refused.status, 1);
    assert!(
        refused
            .stderr
            .contains("evidence_date: Enter the date of the parent's written notice"),
        "{}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains("confirmed: Confirm that the conditions of regulation 9(1)(f) hold"),
        "{}",
        refused.stderr
    );
    let run = delete(&["--evidence-date", "2025-10-01", "--confirm"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("under regulation 9(1)(f)"),
        "{}",
        run.stdout
    );
    let fox = register()
        .lines()
        .find(|l| l.contains("Fox"))
        .unwrap()
        .to_owned();
    assert!(fox.ends_with("2025-09-15,2025-10-03,C,f"), "{fox}");
}

#[test]
fn sqlite_admit_delete_and_list() {
    admit_delete_and_list(Backend::Sqlite);
}

#[test]
fn postgres_admit_delete_and_list() {
    admit_delete_and_list(Backend::Postgres);
}

/// `rollcall import --contacts`: parents and carers with the pupils, all or nothing; a second
/// import updates a contact of the same name, each change kept as a version.
fn import_contacts(backend: Backend) {
    use rollcall_store::{Contacts as _, Directory as _};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(database(backend));
    let school = School::new();
    let import = |contacts: &str| {
        std::fs::write(school.path().join("contacts.csv"), contacts).unwrap();
        rollcall(
            &school.path(),
            &[
                "import",
                "--db",
                &db.url,
                "--policy",
                "policy.toml",
                "--pupils",
                "pupils.csv",
                "--marks",
                "marks.csv",
                "--contacts",
                "contacts.csv",
            ],
        )
    };
    let header = "upn,name,relationship,parental_responsibility,lives_with_pupil,correspondence,priority,phones,email\n";
    let bad = format!(
        "{header}B801200005001,Ann Able,Mother,Y,Y,Y,1,07700 900001,ann@example.org\n\
         Z801200005099,Nobody,Mother,Y,Y,Y,1,,\n"
    );
    let refused = import(&bad);
    assert_eq!(refused.status, 1);
    assert!(
        refused
            .stderr
            .contains("contacts.csv, line 3, field upn: Z801200005099")
            || refused.stderr.contains("contacts.csv, line 3, field upn"),
        "{}",
        refused.stderr
    );
    let store = runtime.block_on(db.store());
    assert!(
        runtime.block_on(store.schools()).unwrap().is_empty(),
        "nothing was written"
    );

    let good = format!(
        "{header}B801200005001,Ann Able,Mother,Y,Y,Y,1,07700 900001,ann@example.org\n\
         B801200005001,Gran Able,Grandmother,N,N,N,2,01632 960001,\n"
    );
    let run = import(&good);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let amy = runtime.block_on(async {
        let school = store.schools().await.unwrap()[0].id;
        store.pupils(school).await.unwrap()[0].key
    });
    let held = runtime.block_on(store.contacts(amy)).unwrap();
    assert_eq!(held.len(), 2);
    let moved = good.replace("07700 900001", "07700 900002");
    let run = import(&moved);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let history = runtime.block_on(store.contact_history(amy)).unwrap();
    let changes: Vec<&str> = history.iter().map(|v| v.change.id()).collect();
    assert_eq!(changes, ["added", "added", "edited"]);
    assert_eq!(history[2].contact.phones, ["07700 900002"]);
    assert_eq!(history[2].by, "rollcall import, Import from files");
}

#[test]
fn sqlite_import_contacts() {
    import_contacts(Backend::Sqlite);
}

#[test]
fn postgres_import_contacts() {
    import_contacts(Backend::Postgres);
}

/// `rollcall report census`: each pupil's sessions in the census term are those
/// `report attendance --by pupil` gives for the same dates; N marks still in place are an error
/// COLLECT would refuse.
#[test]
fn the_census_extract_reconciles_with_the_attendance_report() {
    let school = School::new();
    let census = school.run(&["report", "census", "--year", "2025", "--term", "autumn"]);
    assert_eq!(census.status, 1, "Dan's N marks are still in place");
    assert!(
        census.stderr.contains("U801200005004 error"),
        "{}",
        census.stderr
    );
    assert!(census.stderr.contains("N marks"), "{}", census.stderr);
    let report = school.run(&[
        "report",
        "attendance",
        "--by",
        "pupil",
        "--from",
        "2025-08-01",
        "--to",
        "2025-12-31",
        "--format",
        "json",
    ]);
    assert_eq!(report.status, 0, "{}", report.stderr);
    let report: serde_json::Value = serde_json::from_str(&report.stdout).unwrap();
    let rows = report["groups"].as_array().unwrap();
    let mut lines = csv::Reader::from_reader(census.stdout.as_bytes());
    let header = lines.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut checked = 0;
    for line in lines.records() {
        let line = line.unwrap();
        let upn = &line[column("UPN")];
        let row = rows
            .iter()
            .find(|r| r["group"] == upn)
            .unwrap_or_else(|| panic!("{upn} in {report}"));
        for (census_column, report_field) in [
            ("SessionsPossible", "possible"),
            ("SessionsAuthorised", "authorised"),
            ("SessionsUnauthorised", "unauthorised"),
        ] {
            assert_eq!(
                line[column(census_column)].parse::<u64>().unwrap(),
                row[report_field].as_u64().unwrap(),
                "{upn} {census_column}: {row}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 4);
}
