//! Many writers at once on the same marks: whatever the interleaving, the ledger's replay gives
//! every mark, each write either has its entries or was refused, and nothing is overwritten
//! unrecorded.

use std::sync::Arc;

use rollcall_core::Code;
use rollcall_store::Registers as _;
use rollcall_store::{Amendment, StoreError, SubmitOutcome};
use rollcall_testkit::fixture::{self, Fixture, SCHOOL_DAY};
use rollcall_testkit::{Backend, database};

use crate::marks::{actor, am, at, submission};

const CODES: [&str; 5] = ["/", "N", "I", "M", "L"];

/// A register of codes chosen by `i`; even writers open the page on an untaken register (each
/// mark seen as none) and give no reason, odd ones write over whatever is there with a reason.
fn writer(f: &Fixture, i: usize) -> rollcall_store::Submission {
    let codes = [0, 1, 2].map(|p| CODES[(i + p * 2) % CODES.len()]);
    let first_take = i.is_multiple_of(2);
    let mut s = submission(f, codes, (!first_take).then_some("Re-taken"));
    for mark in &mut s.marks {
        mark.seen = first_take.then_some(0);
    }
    s.actor.name = format!("Writer {i}");
    s
}

pub async fn fifty_writers_on_one_register(backend: Backend) {
    let db = database(backend).await;
    let store = Arc::new(db.store().await);
    let f = fixture::school(store.as_ref(), "hash").await;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let store = store.clone();
        let s = writer(&f, i);
        tasks.push(tokio::spawn(
            async move { (i, store.submit_register(&s).await) },
        ));
    }
    let mut written = 0;
    let mut first_takes = 0;
    let mut successes = 0;
    for task in tasks {
        match task.await.unwrap() {
            (
                i,
                Ok(SubmitOutcome {
                    inserted, amended, ..
                }),
            ) => {
                successes += 1;
                written += inserted + amended;
                // A first take that found the marks it meant to enter already there changed
                // nothing, and is no conflict.
                if i.is_multiple_of(2) && inserted + amended > 0 {
                    first_takes += 1;
                }
            }
            (i, Err(StoreError::Stale { pupils })) => {
                assert!(
                    i.is_multiple_of(2),
                    "writer {i} saw no version, so cannot be stale"
                );
                assert!(!pupils.is_empty());
            }
            (i, Err(e)) => panic!("writer {i}: {e}"),
        }
    }
    // Every odd writer succeeds (waiting its turn); at most one first take finds the register
    // untaken and writes it.
    assert!(first_takes <= 1, "{first_takes} first takes wrote marks");
    assert!(successes >= 25);
    let check = store.verify_ledger(f.school).await.unwrap();
    assert!(check.intact(), "{check:?}");
    assert_eq!(check.marks, 3);
    assert_eq!(
        check.entries, written,
        "an acknowledged write without its entries"
    );
}

fn amendment(f: &Fixture, i: usize, code: &str, seen: Option<u32>) -> Amendment {
    Amendment {
        pupil: f.pupils[1],
        key: am(),
        code: Code::parse(code).unwrap(),
        minutes_late: None,
        comment: None,
        reason: format!("Call {i}"),
        actor: actor(&format!("Officer {i}"), "Attendance officer"),
        at: at(10, 0),
        seen,
    }
}

pub async fn a_hundred_amendments_of_one_mark(backend: Backend) {
    let db = database(backend).await;
    let store = Arc::new(db.store().await);
    let f = fixture::school(store.as_ref(), "hash").await;
    store
        .submit_register(&submission(&f, ["/", "N", "/"], None))
        .await
        .unwrap();

    // Blind amendments (no version seen) all succeed, one after another.
    let mut tasks = Vec::new();
    for i in 0..100 {
        let store = store.clone();
        let a = amendment(&f, i, ["I", "M", "R", "E", "O"][i % 5], None);
        tasks.push(tokio::spawn(async move { store.amend_mark(&a).await }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let ledger = store.ledger(f.pupils[1]).await.unwrap();
    assert!(!ledger.is_empty());
    // Each amendment replaced exactly what the one before left.
    let mut held = Code::ReasonNotEstablished;
    for (entry, version) in ledger.iter().zip(2..) {
        assert_eq!(entry.version, version);
        assert_eq!(entry.original.map(|o| o.code), Some(held), "{entry:?}");
        held = entry.new.code;
    }
    let mark = store
        .marks(f.pupils[1], SCHOOL_DAY, SCHOOL_DAY)
        .await
        .unwrap()
        .remove(0);
    assert_eq!((mark.code, mark.version as usize), (held, ledger.len() + 1));

    // Amendments from people who all saw this version: one changes it, and the rest are
    // refused as stale, unless they asked for what it became.
    // Both differ from the mark as it is, so that neither asks for what it already holds.
    let mut others = ["I", "M", "R", "E", "O"]
        .into_iter()
        .filter(|c| *c != held.symbol());
    let (a, b) = (others.next().unwrap(), others.next().unwrap());
    let mut tasks = Vec::new();
    for i in 0..100 {
        let store = store.clone();
        let change = amendment(
            &f,
            i,
            if i.is_multiple_of(2) { a } else { b },
            Some(mark.version),
        );
        tasks.push(tokio::spawn(async move {
            (change.code, store.amend_mark(&change).await)
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    let after = store.ledger(f.pupils[1]).await.unwrap();
    assert_eq!(after.len(), ledger.len() + 1, "exactly one amendment lands");
    let winner = after.last().unwrap().new.code;
    for (code, result) in results {
        match result {
            Ok(()) => assert_eq!(code, winner),
            Err(StoreError::Stale { pupils }) => {
                assert_ne!(code, winner);
                assert_eq!(pupils, [f.pupils[1]]);
            }
            Err(e) => panic!("{e}"),
        }
    }
    let check = store.verify_ledger(f.school).await.unwrap();
    assert!(check.intact(), "{check:?}");
}
