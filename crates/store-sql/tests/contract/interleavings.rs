//! Any interleaving of writes to one register keeps the ledger true: random mixes of register
//! takes and amendments, some with the version their writer saw, run at once; afterwards every
//! acknowledged write has exactly its entries, every refused one none, each entry's original is
//! the value the entry before it left, and replay gives every mark.

use std::sync::Arc;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use rollcall_core::Code;
use rollcall_store::{Amendment, Registers as _, StoreError};
use rollcall_testkit::fixture::{self, Fixture};
use rollcall_testkit::{Backend, database};

use crate::marks::{actor, am, at, submission};

/// Random cases per backend; each runs on a database of its own.
const CASES: usize = 12;
const TAKE_CODES: [&str; 4] = ["/", "N", "I", "L"];
const AMEND_CODES: [&str; 6] = ["/", "I", "M", "R", "E", "O"];

#[derive(Debug, Clone)]
enum Write {
    /// A register taken: a first take (each mark seen as none, no reason) or a re-take over
    /// whatever is there, with a reason.
    Take { codes: [usize; 3], first: bool },
    /// One mark amended, blind or from the version its writer saw.
    Amend {
        pupil: usize,
        code: usize,
        seen: Option<u32>,
    },
}

fn write() -> impl Strategy<Value = Write> {
    prop_oneof![
        (prop::array::uniform3(0..TAKE_CODES.len()), any::<bool>())
            .prop_map(|(codes, first)| Write::Take { codes, first }),
        (0..3usize, 0..AMEND_CODES.len(), prop::option::of(0..4u32))
            .prop_map(|(pupil, code, seen)| Write::Amend { pupil, code, seen }),
    ]
}

/// What a write was acknowledged with: the entries it reported, or `None` if it changed
/// nothing it can count (an amendment that found its code already there writes none).
type Acknowledged = Result<Option<u64>, ()>;

async fn run(
    store: &Arc<rollcall_store_sql::SqlStore>,
    f: &Fixture,
    i: usize,
    w: Write,
) -> Acknowledged {
    let name = format!("Writer {i}");
    let result = match w {
        Write::Take { codes, first } => {
            let mut s = submission(
                f,
                codes.map(|c| TAKE_CODES[c]),
                (!first).then_some("Re-taken"),
            );
            for mark in &mut s.marks {
                mark.seen = first.then_some(0);
            }
            s.actor.name = name;
            store
                .submit_register(&s)
                .await
                .map(|o| Some(o.inserted + o.amended))
                .map_err(|e| (e, first))
        }
        Write::Amend { pupil, code, seen } => store
            .amend_mark(&Amendment {
                pupil: f.pupils[pupil],
                key: am(),
                code: Code::parse(AMEND_CODES[code]).unwrap(),
                minutes_late: None,
                comment: None,
                reason: format!("Call {i}"),
                actor: actor(&name, "Attendance officer"),
                at: at(10, 0),
                seen,
            })
            .await
            .map(|()| None)
            .map_err(|e| (e, seen.is_some())),
    };
    match result {
        Ok(n) => Ok(n),
        // Only a write that said which version it saw may be refused as stale.
        Err((StoreError::Stale { .. }, true)) => Err(()),
        Err((e, _)) => panic!("writer {i}: {e}"),
    }
}

async fn one_case(backend: Backend, writes: &[Write]) {
    let db = database(backend).await;
    let store = Arc::new(db.store().await);
    let f = fixture::school(store.as_ref(), "hash").await;
    let tasks: Vec<_> = writes
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, w)| {
            let (store, f) = (store.clone(), f.clone());
            tokio::spawn(async move { run(&store, &f, i, w).await })
        })
        .collect();
    let mut total = 0;
    for (i, task) in tasks.into_iter().enumerate() {
        let acknowledged = task.await.unwrap();
        let entries = u64::try_from(
            db.count(&format!(
                "SELECT COUNT(*) FROM ledger WHERE by_name = 'Writer {i}'"
            ))
            .await,
        )
        .unwrap();
        match acknowledged {
            Ok(Some(n)) => assert_eq!(entries, n, "writer {i} of {writes:?}"),
            Ok(None) => assert!(entries <= 1, "writer {i} of {writes:?}"),
            Err(()) => assert_eq!(entries, 0, "refused writer {i} of {writes:?}"),
        }
        total += entries;
    }
    let check = store.verify_ledger(f.school).await.unwrap();
    assert!(check.intact(), "{check:?} after {writes:?}");
    assert_eq!(
        check.entries, total,
        "entries nobody wrote, after {writes:?}"
    );
    for pupil in &f.pupils {
        let ledger = store.ledger(*pupil).await.unwrap();
        for pair in ledger.windows(2) {
            if pair[1].version == pair[0].version + 1 {
                assert_eq!(
                    pair[1].original,
                    Some(pair[0].new),
                    "an original that is not the value replaced, after {writes:?}"
                );
            }
        }
    }
}

pub async fn any_interleaving_keeps_the_ledger_true(backend: Backend) {
    let mut runner = TestRunner::new(Config::default());
    let writes = prop::collection::vec(write(), 2..10);
    for _ in 0..CASES {
        let case = writes.new_tree(&mut runner).unwrap().current();
        one_case(backend, &case).await;
    }
}
