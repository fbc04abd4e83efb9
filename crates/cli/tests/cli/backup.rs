//! `rollcall backup` and `rollcall restore`: a school with an amendment round-trips, and its
//! restored ledger verifies; nothing is overwritten and a wrong file is refused.

use rollcall_testkit::{Backend, database};

use crate::database::amend_bens_holiday;
use crate::fixture::{School, rollcall};

fn a_school_round_trips(backend: Backend) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (original, copy) =
        runtime.block_on(async { (database(backend).await, database(backend).await) });
    let school = School::new();
    let run = school.run(&["import", "--db", &original.url]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    runtime.block_on(amend_bens_holiday(&original));
    let file = school.path().join("rollcall.backup");
    let file = file.to_str().unwrap();

    let backup = rollcall(
        &school.path(),
        &["backup", "--db", &original.url, "--out", file],
    );
    assert_eq!(backup.status, 0, "{}", backup.stderr);
    assert!(backup.stdout.contains("Backed up to"), "{}", backup.stdout);
    let again = rollcall(
        &school.path(),
        &["backup", "--db", &original.url, "--out", file],
    );
    assert_ne!(again.status, 0);
    assert!(
        again.stderr.contains("never overwrites"),
        "{}",
        again.stderr
    );

    let restore = |from: &str| {
        rollcall(
            &school.path(),
            &["restore", "--from", from, "--db", &copy.url],
        )
    };
    let wrong = restore("marks.csv");
    assert_ne!(wrong.status, 0);
    assert!(wrong.stderr.contains("is not a"), "{}", wrong.stderr);
    let restored = restore(file);
    assert_eq!(restored.status, 0, "{}", restored.stderr);
    // 306 first recordings and the amendment explain the 306 marks.
    assert!(
        restored
            .stdout
            .contains("intact, 307 entries explain 306 marks"),
        "{}",
        restored.stdout
    );
    let into_full = restore(file);
    assert_ne!(into_full.status, 0);
    assert!(
        into_full.stderr.contains("not empty"),
        "{}",
        into_full.stderr
    );

    // The copy reports exactly as the original.
    let report = |url: &str| {
        rollcall(
            &school.path(),
            &[
                "report",
                "attendance",
                "--db",
                url,
                "--by",
                "pupil",
                "--format",
                "csv",
            ],
        )
        .stdout
    };
    assert_eq!(report(&copy.url), report(&original.url));
    let verify = rollcall(&school.path(), &["verify-ledger", "--db", &copy.url]);
    assert_eq!(verify.status, 0, "{}", verify.stdout);
}

#[test]
fn sqlite_a_school_round_trips() {
    a_school_round_trips(Backend::Sqlite);
}

#[test]
fn postgres_a_school_round_trips() {
    a_school_round_trips(Backend::Postgres);
}
