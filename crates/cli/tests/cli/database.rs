use jiff::civil::date;
use rollcall_core::{Code, Session, SessionKey};
use rollcall_store::{
    Accounts as _, Actor, Amendment, Casework as _, Directory as _, Registers as _,
};
use rollcall_testkit::{Backend, TestDb, database};

use crate::fixture::{School, rollcall, rollcall_with};

/// `rollcall import` into a database, then every report from it as from the files; a bad file
/// changes nothing; `verify-ledger` finds an amendment made behind the ledger's back.
fn import_report_and_verify(backend: Backend) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(database(backend));
    let school = School::new();
    let import = |dir: &std::path::Path| {
        rollcall(
            dir,
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
            ],
        )
    };

    let run = import(&school.path());
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("4 pupils added, 0 updated; 306 marks added, 0 already held"),
        "{}",
        run.stdout
    );

    let reports: [&[&str]; 4] = [
        &["report", "attendance", "--by", "pupil", "--format", "csv"],
        &["report", "attendance", "--by", "reg_group"],
        &[
            "report",
            "attendance",
            "--by",
            "sen",
            "--from",
            "2025-10-01",
            "--to",
            "2025-10-24",
            "--format",
            "json",
        ],
        &[
            "report",
            "triggers",
            "--on",
            "2025-10-24",
            "--format",
            "csv",
        ],
    ];
    let from_files: Vec<String> = reports
        .iter()
        .map(|args| {
            let run = school.run(args);
            assert_eq!(run.status, 0, "{}", run.stderr);
            run.stdout
        })
        .collect();
    let from_db = |reports: &[&[&str]]| -> Vec<String> {
        reports
            .iter()
            .map(|args| {
                let mut all = args.to_vec();
                all.extend(["--db", &db.url]);
                let run = rollcall(&school.path(), &all);
                assert_eq!(run.status, 0, "{}", run.stderr);
                run.stdout
            })
            .collect()
    };
    assert_eq!(from_db(&reports), from_files);
    assert!(from_files[3].contains("U801200005004"), "{}", from_files[3]);

    // The same files again: nothing new.
    let run = import(&school.path());
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("0 pupils added, 4 updated; 0 marks added, 306 already held"),
        "{}",
        run.stdout
    );

    // A file with a bad line is refused whole, and the database is as it was.
    let bad = School::with(
        crate::fixture::PUPILS,
        &format!(
            "{}E801200005003,2025-10-27,AM,Q9,\n",
            crate::fixture::marks()
        ),
        crate::fixture::POLICY,
    );
    let run = import(&bad.path());
    assert_eq!(run.status, 1);
    assert!(
        run.stderr.contains("marks.csv, line 308, field code"),
        "{}",
        run.stderr
    );
    assert_eq!(from_db(&reports), from_files);

    // The ledger: intact after an amendment, broken when a mark changes behind its back.
    let verify = || rollcall(&school.path(), &["verify-ledger", "--db", &db.url]);
    // (entries, marks) of an intact ledger's line.
    let counts = |stdout: &str| -> (u64, u64) {
        let line = stdout
            .strip_prefix("Fixture Primary: intact, ")
            .and_then(|l| l.strip_suffix(" marks\n"))
            .unwrap_or_else(|| panic!("{stdout}"));
        let (entries, marks) = line.split_once(" entries explain ").unwrap();
        (entries.parse().unwrap(), marks.parse().unwrap())
    };
    let run = verify();
    assert_eq!(run.status, 0, "{}", run.stderr);
    let (entries, marks) = counts(&run.stdout);
    assert!(marks > 300 && entries == marks, "{}", run.stdout);
    runtime.block_on(amend_bens_holiday(&db));
    let run = verify();
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(counts(&run.stdout), (entries + 1, marks));
    let changed = runtime
        .block_on(db.execute("UPDATE marks SET code = 'G' WHERE code = 'C' AND source = 'office'"))
        .unwrap();
    assert_eq!(changed, 1);
    let run = verify();
    assert_eq!(run.status, 1);
    assert_eq!(
        run.stdout,
        "Fixture Primary: BROKEN, 1 session not explained by the ledger:\n  \
         Q801200005002 2025-10-06 AM: the mark G (version 2) is not what entry 2 left (C)\n"
    );
    assert!(
        run.stderr.contains("1 ledger does not verify"),
        "{}",
        run.stderr
    );
}

/// `rollcall user add` and `rollcall token create`: a member of staff who can sign in, with a
/// token that acts as them.
fn staff_and_tokens(backend: Backend) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(database(backend));
    let school = School::new();
    let run = school.run(&["import", "--db", &db.url]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let add = |password: &str| {
        rollcall_with(
            &school.path(),
            &[
                "user",
                "add",
                "--db",
                &db.url,
                "--username",
                "lcraven",
                "--name",
                "Lisa Craven",
                "--position",
                "Attendance officer",
                "--role",
                "attendance_officer",
                "--group",
                "5A",
            ],
            &[("ROLLCALL_PASSWORD", password)],
        )
    };
    for (weak, says) in [
        ("short", "at least 12 characters"),
        ("LisaCraven2026", "quick to guess"),
        ("aaaaaaaaaaaa", "quick to guess"),
    ] {
        let run = add(weak);
        assert_eq!(run.status, 1, "{weak}");
        assert!(run.stderr.contains(says), "{weak}: {}", run.stderr);
    }
    let run = add("correct horse battery staple");
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "Added Lisa Craven (lcraven) as Attendance officer at Fixture Primary.\n"
    );
    let run = rollcall(
        &school.path(),
        &[
            "token",
            "create",
            "--db",
            &db.url,
            "--username",
            "lcraven",
            "--name",
            "MIS sync",
        ],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    let token = run.stdout.trim();
    runtime.block_on(async {
        let store = db.store().await;
        let user = store.user_by_username("lcraven").await.unwrap().unwrap();
        let grant = store
            .api_token(&rollcall_web::token_hash(token), jiff::Timestamp::now())
            .await
            .unwrap()
            .expect("a live token");
        assert_eq!(
            (grant.user.id, grant.scope),
            (user.id, rollcall_core::TokenScope::Read)
        );
        let hash = user.password_hash.unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        let groups = store.groups_of_staff(user.id, store.schools().await.unwrap()[0].id);
        assert_eq!(groups.await.unwrap()[0].name, "5A");
        store.close().await;
    });
    // Listed (never the token itself), revoked by number, and gone.
    let list = rollcall(&school.path(), &["token", "list", "--db", &db.url]);
    assert_eq!(list.status, 0, "{}", list.stderr);
    assert!(
        list.stdout.contains("MIS sync") && list.stdout.contains("live"),
        "{}",
        list.stdout
    );
    assert!(!list.stdout.contains(token), "{}", list.stdout);
    let revoke = rollcall(&school.path(), &["token", "revoke", "--db", &db.url, "1"]);
    assert_eq!(revoke.status, 0, "{}", revoke.stderr);
    let again = rollcall(&school.path(), &["token", "revoke", "--db", &db.url, "1"]);
    assert_eq!(again.status, 1);
    assert!(
        again.stderr.contains("no live API token #1"),
        "{}",
        again.stderr
    );
    let list = rollcall(&school.path(), &["token", "list", "--db", &db.url]);
    assert!(list.stdout.contains("revoked"), "{}", list.stdout);
    let long = rollcall(
        &school.path(),
        &[
            "token",
            "create",
            "--db",
            &db.url,
            "--username",
            "lcraven",
            "--name",
            "x",
            "--days",
            "400",
        ],
    );
    assert_eq!(long.status, 1);
    assert!(
        long.stderr.contains("--days must be from 1 to 366"),
        "{}",
        long.stderr
    );
    // Disabled, enabled, given a temporary password to replace at sign-in.
    let user = |command: &str| {
        rollcall(
            &school.path(),
            &["user", command, "--db", &db.url, "--username", "lcraven"],
        )
    };
    let disabled = user("disable");
    assert_eq!(
        disabled.stdout, "Disabled Lisa Craven (lcraven).\n",
        "{}",
        disabled.stderr
    );
    let reset = user("reset-password");
    assert_eq!(reset.status, 0, "{}", reset.stderr);
    let temporary = reset.stdout.trim().to_owned();
    assert_eq!(temporary.len(), 24, "{temporary}");
    assert_eq!(user("enable").status, 0);
    assert_eq!(
        user("sign-out").stdout,
        "Ended 0 sessions of Lisa Craven (lcraven).\n"
    );
    runtime.block_on(async {
        let store = db.store().await;
        let user = store.user_by_username("lcraven").await.unwrap().unwrap();
        assert!(!user.disabled && user.must_change_password);
        let hash = user.password_hash.unwrap();
        assert!(
            rollcall_web::Passwords::cheap()
                .verify(&hash, &temporary)
                .await
        );
        store.close().await;
    });
    let nobody = rollcall(
        &school.path(),
        &["user", "disable", "--db", &db.url, "--username", "nobody"],
    );
    assert_eq!(nobody.status, 1);
    assert!(
        nobody
            .stderr
            .contains("no member of staff with the username \"nobody\""),
        "{}",
        nobody.stderr
    );
}

/// The office changes Ben's first morning of holiday to `C`: the head authorised it after all.
pub async fn amend_bens_holiday(db: &TestDb) {
    let store = db.store().await;
    let school = store.schools().await.unwrap().remove(0);
    let ben = store
        .pupils(school.id)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.pupil.upn.as_str() == "Q801200005002")
        .unwrap();
    store
        .amend_mark(&Amendment {
            pupil: ben.key,
            key: SessionKey {
                date: date(2025, 10, 6),
                session: Session::Am,
            },
            code: Code::parse("C").unwrap(),
            minutes_late: None,
            comment: None,
            reason: "Head authorised: family funeral".into(),
            actor: Actor {
                user: None,
                name: "Lisa Craven".into(),
                position: "Attendance officer".into(),
            },
            at: jiff::Timestamp::now(),
            seen: None,
        })
        .await
        .unwrap();
    store.close().await;
}

/// Lodge Farm's escalation by day of unexplained absence (seed 004 §6), on the fixture school.
const ESCALATIONS: &str = r#"
[[procedures.escalations]]
day = 3
id = "home_visit"
kind = "home_visit"
what = "Home visit"
who = "Key worker"
source = "Seed 004 §6: a home visit"

[[procedures.escalations]]
day = 10
id = "cme"
kind = "referral"
what = "Children missing education referral"
who = "Head Teacher"
source = "Seed 004 §6: missing from education for 10 consecutive days"
"#;

/// `rollcall worklist --db`: Dan's reason has not been known since 6 October; by the 24th the
/// policy asks for a visit and a referral, and the referral, once recorded, is not asked again.
fn worklist_from_the_database(backend: Backend) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(database(backend));
    let school = School::with(
        crate::fixture::PUPILS,
        &crate::fixture::marks(),
        &format!("{}{ESCALATIONS}", crate::fixture::POLICY),
    );
    let run = school.run(&["import", "--db", &db.url]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let worklist = |format: &str| {
        let run = rollcall(
            &school.path(),
            &[
                "worklist",
                "--db",
                &db.url,
                "--at",
                "2025-10-24T10:00",
                "--format",
                format,
            ],
        );
        assert_eq!(run.status, 0, "{}", run.stderr);
        run.stdout
    };
    let items: Vec<serde_json::Value> = serde_json::from_str(&worklist("json")).unwrap();
    let keys: Vec<&str> = items.iter().map(|i| i["item"].as_str().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "escalation.home_visit@2025-10-06",
            "escalation.cme@2025-10-06",
            // Cara's 15 days of illness; Ben's holiday and Dan's absence reach the threshold.
            "illness.sickness_return@2025-09-26",
            "penalty.consider@2025-10-10",
            "penalty.consider@2025-10-10",
            "statutory.continuous_absence@2025-10-17",
            "statutory.n_overdue@2025-10-06 AM",
        ],
        "{items:#?}"
    );
    let cme = &items[1];
    assert_eq!(cme["pupil"], "Dan Dale");
    assert_eq!(cme["who"], "Head Teacher");
    assert_eq!(cme["due"], "2025-10-17 15:15");
    assert!(
        cme["reason"]
            .as_str()
            .unwrap()
            .starts_with("Absent without explanation for 15 school days since 6 October"),
        "{cme}"
    );
    let table = worklist("table");
    assert!(
        table.contains("Children missing education referral"),
        "{table}"
    );

    runtime.block_on(async {
        let store = db.store().await;
        let dan = store
            .pupils(store.schools().await.unwrap()[0].id)
            .await
            .unwrap()[3]
            .key;
        store
            .add_case_entry(&rollcall_store::NewCaseEntry {
                pupil: dan,
                entry: rollcall_core::CaseEntry {
                    at: date(2025, 10, 17).at(11, 0, 0, 0),
                    kind: rollcall_core::EntryKind::Referral,
                    item: rollcall_core::ItemKey::parse("escalation.cme@2025-10-06"),
                    with: "Leicestershire CME team".into(),
                    note: "Referral form sent".into(),
                    by: String::new(),
                },
                actor: Actor {
                    user: None,
                    name: "June Turner".into(),
                    position: "Headteacher".into(),
                },
                recorded_at: jiff::Timestamp::now(),
            })
            .await
            .unwrap();
        store.close().await;
    });
    let again: Vec<serde_json::Value> = serde_json::from_str(&worklist("json")).unwrap();
    assert_eq!(again.len(), 6);
    assert!(
        again
            .iter()
            .all(|i| i["item"] != "escalation.cme@2025-10-06")
    );
}

#[test]
fn sqlite_worklist_from_the_database() {
    worklist_from_the_database(Backend::Sqlite);
}

#[test]
fn postgres_worklist_from_the_database() {
    worklist_from_the_database(Backend::Postgres);
}

#[test]
fn sqlite_import_report_and_verify() {
    import_report_and_verify(Backend::Sqlite);
}

#[test]
fn postgres_import_report_and_verify() {
    import_report_and_verify(Backend::Postgres);
}

#[test]
fn sqlite_staff_and_tokens() {
    staff_and_tokens(Backend::Sqlite);
}

#[test]
fn postgres_staff_and_tokens() {
    staff_and_tokens(Backend::Postgres);
}
