use rollcall_core::Code;
use rollcall_store::Registers as _;
use rollcall_store::{Amendment, LedgerCheck};
use rollcall_testkit::fixture;
use rollcall_testkit::{Backend, TestDb, database};

use crate::marks::{actor, am, at, submission};

async fn amended_school(db: &TestDb) -> rollcall_testkit::fixture::Fixture {
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    store
        .submit_register(&submission(&f, ["/", "N", "N"], None))
        .await
        .unwrap();
    for (i, code) in [(1, "I"), (2, "O"), (1, "M")] {
        store
            .amend_mark(&Amendment {
                pupil: f.pupils[i],
                key: am(),
                code: Code::parse(code).unwrap(),
                minutes_late: None,
                comment: None,
                reason: format!("Now {code}"),
                actor: actor("Lisa Craven", "Attendance officer"),
                at: at(10, 0),
            })
            .await
            .unwrap();
    }
    f
}

pub async fn append_only(backend: Backend) {
    let db = database(backend).await;
    amended_school(&db).await;
    for sql in [
        "UPDATE ledger SET reason = 'nothing to see' WHERE seq = 1",
        "DELETE FROM ledger WHERE seq = 3",
    ] {
        let err = db.execute(sql).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
}

pub async fn tampering_is_detected(backend: Backend) {
    let db = database(backend).await;
    let f = amended_school(&db).await;
    let store = db.store().await;
    assert_eq!(
        store.verify_ledger(f.school).await.unwrap(),
        LedgerCheck::Intact { entries: 3 }
    );
    assert_eq!(
        store.verify_ledger(f.other_school).await.unwrap(),
        LedgerCheck::Intact { entries: 0 }
    );

    // Changing a mark behind the ledger's back.
    assert_eq!(
        db.execute("UPDATE marks SET code = 'I' WHERE code = 'O'")
            .await
            .unwrap(),
        1
    );
    let LedgerCheck::Broken { seq, problem } = store.verify_ledger(f.school).await.unwrap() else {
        panic!("a changed mark went unnoticed");
    };
    assert_eq!(seq, 2);
    assert!(
        problem.contains("no longer matches ledger entry 2"),
        "{problem}"
    );
    db.execute("UPDATE marks SET code = 'O' WHERE code = 'I' AND source = 'office'")
        .await
        .unwrap();
    assert!(matches!(
        store.verify_ledger(f.school).await.unwrap(),
        LedgerCheck::Intact { .. }
    ));

    // Rewriting an entry, with the protection removed.
    let (drop_trigger, edit) = match backend {
        Backend::Sqlite => (
            "DROP TRIGGER ledger_no_update",
            "UPDATE ledger SET reason = 'Now X' WHERE seq = 2",
        ),
        Backend::Postgres => (
            "DROP TRIGGER ledger_no_update_or_delete ON ledger",
            "UPDATE ledger SET reason = 'Now X' WHERE seq = 2",
        ),
    };
    db.execute(drop_trigger).await.unwrap();
    db.execute(edit).await.unwrap();
    let LedgerCheck::Broken { seq, problem } = store.verify_ledger(f.school).await.unwrap() else {
        panic!("an edited entry went unnoticed");
    };
    assert_eq!(seq, 2);
    assert!(problem.contains("does not match its hash"), "{problem}");
    // Removing the last entry.
    let drop_delete = match backend {
        Backend::Sqlite => "DROP TRIGGER ledger_no_delete",
        Backend::Postgres => "SELECT 1",
    };
    db.execute(drop_delete).await.unwrap();
    db.execute("UPDATE ledger SET reason = 'Now O' WHERE seq = 2")
        .await
        .unwrap();
    db.execute("DELETE FROM ledger WHERE seq = 3")
        .await
        .unwrap();
    let LedgerCheck::Broken { problem, .. } = store.verify_ledger(f.school).await.unwrap() else {
        panic!("a removed entry went unnoticed");
    };
    assert!(
        problem.contains("ends at entry 2, but 3 entries were written"),
        "{problem}"
    );
}
