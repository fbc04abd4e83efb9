//! SQLite's write-ahead log is copied into the database in the background, not by the commit
//! that fills it.

use jiff::civil::date;
use rollcall_core::AcademicYear;
use rollcall_demo::{DemoConfig, generate};
use rollcall_store::{ImportTarget, NewSchool, Registers as _};
use rollcall_testkit::{Backend, database};

use crate::marks::{actor, at};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_is_checkpointed_beside_the_writer() {
    let db = database(Backend::Sqlite).await;
    let store = db.store().await;
    let path = db.url.trim_start_matches("sqlite://").to_owned();
    let school = generate(&DemoConfig {
        pupils: 300,
        seed: 7,
        year: AcademicYear(2025),
        through: Some(date(2025, 10, 17)),
    })
    .unwrap();
    let target = ImportTarget::New(NewSchool {
        trust: None,
        name: "Checkpointed".into(),
        urn: None,
        la_estab: None,
        policy: rollcall_testkit::fixture::POLICY.into(),
    });
    let summary = store
        .import(
            &target,
            &school.register,
            &rollcall_store::ImportDetails::default(),
            &actor("Import", "Data manager"),
            at(18, 0),
            &|_| {},
        )
        .await
        .unwrap();
    assert!(summary.marks_added > 10_000, "{summary:?}");
    // The writer alone would leave all of it in the log, far below its own threshold.
    let database_bytes = || std::fs::metadata(&path).map_or(0, |m| m.len());
    let mut waited = 0;
    while database_bytes() < 1 << 20 {
        assert!(
            waited < 100,
            "the database file is still {} bytes after {} ms; the log holds {} bytes",
            database_bytes(),
            waited * 100,
            std::fs::metadata(format!("{path}-wal")).map_or(0, |m| m.len())
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    store.close().await;
}
