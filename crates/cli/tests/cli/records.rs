//! `rollcall retention`: a leaver's register entries erased once past the regulations' six
//! years, never a pupil's on roll, never sooner, each erasure logged.

use rollcall_store::Records as _;
use rollcall_testkit::{Backend, database};

use crate::fixture::{POLICY, PUPILS, School, marks, rollcall};

fn retention_erases_only_what_is_past_it(backend: Backend) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(database(backend));
    // Dan leaves on the term's last day; the others stay on roll.
    let pupils = PUPILS.replace("2025-09-08,,true", "2025-09-08,2025-10-24,true");
    let school = School::with(&pupils, &marks(), POLICY);
    let run = school.run(&["import", "--db", &db.url]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let retention = |args: &[&str]| {
        let mut all = vec!["retention", "--db", &db.url];
        all.extend(args);
        rollcall(&school.path(), &all)
    };

    let short = retention(&["--years", "5", "--dry-run"]);
    assert_ne!(short.status, 0);
    assert!(
        short.stderr.contains("at least 6 years"),
        "{}",
        short.stderr
    );
    // The entries were made at the import, today: nothing is six years old yet.
    let soon = retention(&["--dry-run"]);
    assert_eq!(soon.status, 0, "{}", soon.stderr);
    assert!(
        soon.stdout.contains("Nothing is past retention."),
        "{}",
        soon.stdout
    );

    let later = jiff::Zoned::now()
        .date()
        .saturating_add(jiff::Span::new().years(7));
    let later = later.to_string();
    let dry = retention(&["--dry-run", "--today", &later]);
    assert_eq!(dry.status, 0, "{}", dry.stderr);
    assert!(
        dry.stdout
            .contains("Dan Dale (left 2025-10-24): 70 sessions from 2025-09-08 to 2025-10-24"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains("Would erase 70 sessions of 1 pupils"),
        "{}",
        dry.stdout
    );
    assert!(!dry.stdout.contains("Amy"), "on roll: {}", dry.stdout);
    let store = runtime.block_on(db.store());
    assert!(
        runtime.block_on(store.erasures()).unwrap().is_empty(),
        "a dry run erases nothing"
    );

    let real = retention(&["--today", &later]);
    assert_eq!(real.status, 0, "{}", real.stderr);
    assert!(
        real.stdout.contains("Erased 70 sessions of 1 pupils"),
        "{}",
        real.stdout
    );
    let log = runtime.block_on(store.erasures()).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].erasure.pupil_name.as_str(), log[0].erasure.sessions),
        ("Dan Dale", 70)
    );
    assert_eq!(log[0].by, "rollcall retention");
    let verify = rollcall(&school.path(), &["verify-ledger", "--db", &db.url]);
    assert_eq!(verify.status, 0, "{}", verify.stdout);
    assert!(
        verify
            .stdout
            .contains("intact, 236 entries explain 236 marks"),
        "{}",
        verify.stdout
    );
    let again = retention(&["--today", &later]);
    assert!(
        again.stdout.contains("Nothing is past retention."),
        "{}",
        again.stdout
    );
}

#[test]
fn sqlite_retention_erases_only_what_is_past_it() {
    retention_erases_only_what_is_past_it(Backend::Sqlite);
}

#[test]
fn postgres_retention_erases_only_what_is_past_it() {
    retention_erases_only_what_is_past_it(Backend::Postgres);
}
