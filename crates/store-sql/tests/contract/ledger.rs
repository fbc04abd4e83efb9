use rollcall_core::{Code, Session, SessionKey};
use rollcall_store::{Amendment, LedgerCheck};
use rollcall_store::{Directory as _, Registers as _};
use rollcall_testkit::fixture::{self, SCHOOL_DAY};
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
                seen: None,
            })
            .await
            .unwrap();
    }
    f
}

/// The one problem replay reports, as (UPN, session, what).
fn only_problem(check: &LedgerCheck) -> (String, SessionKey, String) {
    assert_eq!(check.problems.len(), 1, "{check:?}");
    let p = &check.problems[0];
    (p.upn.clone(), p.key, p.problem.clone())
}

pub async fn append_only(backend: Backend) {
    let db = database(backend).await;
    amended_school(&db).await;
    for sql in [
        "UPDATE ledger SET reason = 'nothing to see' WHERE version = 2",
        "DELETE FROM ledger WHERE version = 3",
    ] {
        let err = db.execute(sql).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
}

pub async fn replay_explains_every_mark(backend: Backend) {
    let db = database(backend).await;
    let f = amended_school(&db).await;
    let store = db.store().await;
    // Three first recordings and three amendments explain the three marks.
    let intact = store.verify_ledger(f.school).await.unwrap();
    assert!(intact.intact(), "{intact:?}");
    assert_eq!((intact.entries, intact.marks), (6, 3));
    let other = store.verify_ledger(f.other_school).await.unwrap();
    assert_eq!((other.entries, other.marks, other.intact()), (0, 0, true));
    let amy = store
        .pupil(f.pupils[0])
        .await
        .unwrap()
        .pupil
        .upn
        .to_string();
    let ben = store
        .pupil(f.pupils[1])
        .await
        .unwrap()
        .pupil
        .upn
        .to_string();
    let cara = store
        .pupil(f.pupils[2])
        .await
        .unwrap()
        .pupil
        .upn
        .to_string();
    let pm = SessionKey {
        date: SCHOOL_DAY,
        session: Session::Pm,
    };

    // A mark planted behind the store's back, with no entry.
    db.execute(&format!(
        "INSERT INTO marks (pupil_id, date, session, code, source, recorded_at, version) \
         VALUES ({}, '{SCHOOL_DAY}', 1, 'I', 'office', 0, 1)",
        f.pupils[0]
    ))
    .await
    .unwrap();
    let check = store.verify_ledger(f.school).await.unwrap();
    assert_eq!(
        only_problem(&check),
        (
            amy.clone(),
            pm,
            "the mark I has no entry in the ledger".into()
        )
    );
    db.execute(&format!(
        "DELETE FROM marks WHERE pupil_id = {} AND session = 1",
        f.pupils[0]
    ))
    .await
    .unwrap();
    assert!(store.verify_ledger(f.school).await.unwrap().intact());

    // A mark never amended, changed behind the store's back.
    db.execute(&format!(
        "UPDATE marks SET code = 'I' WHERE pupil_id = {}",
        f.pupils[0]
    ))
    .await
    .unwrap();
    let (upn, key, problem) = only_problem(&store.verify_ledger(f.school).await.unwrap());
    assert_eq!((upn, key), (amy, am()));
    assert!(
        problem.contains("the mark I (version 1) is not what entry 1 left (/)"),
        "{problem}"
    );
    db.execute(&format!(
        "UPDATE marks SET code = '/' WHERE pupil_id = {}",
        f.pupils[0]
    ))
    .await
    .unwrap();
    assert!(store.verify_ledger(f.school).await.unwrap().intact());

    // An entry rewritten, with the protection removed.
    let drop_triggers: &[&str] = match backend {
        Backend::Sqlite => &[
            "DROP TRIGGER ledger_no_update",
            "DROP TRIGGER ledger_no_delete",
        ],
        Backend::Postgres => &["DROP TRIGGER ledger_no_update_or_delete ON ledger"],
    };
    for sql in drop_triggers {
        db.execute(sql).await.unwrap();
    }
    db.execute("UPDATE ledger SET reason = 'Now X' WHERE reason = 'Now O'")
        .await
        .unwrap();
    let (upn, _, problem) = only_problem(&store.verify_ledger(f.school).await.unwrap());
    assert_eq!(upn, cara);
    assert_eq!(problem, "entry 2 does not match its hash");

    // The last entry removed: the mark is no longer explained.
    db.execute(&format!(
        "DELETE FROM ledger WHERE pupil_id = {} AND version = 3",
        f.pupils[1]
    ))
    .await
    .unwrap();
    let check = store.verify_ledger(f.school).await.unwrap();
    assert_eq!(check.problems.len(), 2, "{check:?}");
    let bens = check.problems.iter().find(|p| p.upn == ben).unwrap();
    assert!(
        bens.problem
            .contains("the mark M (version 3) is not what entry 2 left (I)"),
        "{}",
        bens.problem
    );
}

/// The registers are read from each pupil's rows, which are checked against the marks: a row
/// changed behind the store's back is found, and a store told to fill the rows again from the
/// marks (as after the migration that added them) puts them right.
pub async fn the_rows_are_checked_and_rebuilt(backend: Backend) {
    let db = database(backend).await;
    let f = amended_school(&db).await;
    let store = db.store().await;
    let before = store.load_register(f.school).await.unwrap();
    let amy = before.roll().pupils()[0].upn;
    db.execute(&format!(
        "UPDATE register_rows SET codes = lates WHERE pupil_id = {}",
        f.pupils[0]
    ))
    .await
    .unwrap();
    let (upn, key, problem) = only_problem(&store.verify_ledger(f.school).await.unwrap());
    assert_eq!((upn, key), (amy.to_string(), am()));
    assert_eq!(
        problem,
        "the register's rows hold no mark where the mark is /"
    );
    let tampered = store.load_register(f.school).await.unwrap();
    let id = tampered.find(&amy).unwrap();
    assert_eq!(tampered.mark(id, am().slot()), None);

    db.execute("DELETE FROM register_rows").await.unwrap();
    db.execute("INSERT INTO store_tasks (task) VALUES ('register_rows')")
        .await
        .unwrap();
    let reopened = db.store().await;
    assert!(reopened.verify_ledger(f.school).await.unwrap().intact());
    let rebuilt = reopened.load_register(f.school).await.unwrap();
    for id in before.ids() {
        assert_eq!(rebuilt.row(id).codes, before.row(id).codes);
    }
    assert_eq!(rebuilt.mark_count(), 3);
}

/// A pupil or a row damaged behind the store's back makes reading the register an error that
/// names what is wrong, never a wrong register. (On SQLite the register is read straight from
/// SQLite's handle, with decoding of its own.)
pub async fn a_damaged_record_is_an_error_not_a_register(backend: Backend) {
    let db = database(backend).await;
    let f = amended_school(&db).await;
    let store = db.store().await;
    let pupil = f.pupils[0].0;
    db.execute(&format!(
        "UPDATE pupils SET upn = 'not a UPN' WHERE id = {pupil}"
    ))
    .await
    .unwrap();
    let error = store.load_register(f.school).await.unwrap_err().to_string();
    assert_eq!(
        error,
        "database error: the database holds an invalid UPN: \"not a UPN\""
    );
    if backend == Backend::Sqlite {
        // SQLite keeps whatever it is given: a number where a row's bytes belong.
        let fresh = database(backend).await;
        let g = amended_school(&fresh).await;
        fresh
            .execute(&format!(
                "UPDATE register_rows SET codes = 42 WHERE pupil_id = {}",
                g.pupils[0].0
            ))
            .await
            .unwrap();
        let error = fresh
            .store()
            .await
            .load_register(g.school)
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("codes"), "{error}");
    }
}
