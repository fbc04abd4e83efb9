use jiff::Timestamp;
use jiff::civil::date;
use rollcall_core::{Code, Opened, past_retention, retention_cutoff};
use rollcall_store::{
    AccessOf, Amendment, Directory as _, NewAccess, OldSession, Records as _, Registers as _,
};
use rollcall_testkit::fixture::{self, SCHOOL_DAY};
use rollcall_testkit::{Backend, database};

use crate::marks::{actor, am, at, submission};

pub async fn the_access_log_is_kept_and_never_changed(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let open = |pupil, user, opened, detail, second: i64| NewAccess {
        pupil,
        user,
        by_name: "Lisa Craven",
        by_position: "Attendance officer",
        opened,
        detail,
        at: Timestamp::from_second(1_757_000_000 + second).unwrap(),
    };
    let (amy, ben) = (f.pupils[0], f.pupils[1]);
    for access in [
        open(amy, f.officer, Opened::PupilRecord, None, 0),
        open(amy, f.officer, Opened::Letter, Some("letter 4"), 1),
        open(ben, f.officer, Opened::PupilRecord, None, 2),
        open(amy, f.head, Opened::EvidencePack, None, 3),
        open(f.stranger, f.stranger_officer, Opened::PupilRecord, None, 4),
    ] {
        store.record_access(&access).await.unwrap();
    }
    // Per pupil, newest first, with who and what.
    let amy_log = store.access_log(AccessOf::Pupil(amy), 100).await.unwrap();
    let seen: Vec<_> = amy_log.iter().map(|a| (a.user, a.opened)).collect();
    assert_eq!(
        seen,
        [
            (f.head, Opened::EvidencePack),
            (f.officer, Opened::Letter),
            (f.officer, Opened::PupilRecord)
        ]
    );
    assert_eq!(amy_log[1].detail.as_deref(), Some("letter 4"));
    assert_eq!(amy_log[1].by_position, "Attendance officer");
    assert_eq!(amy_log[1].school, f.school);
    assert!(amy_log[0].pupil_name.starts_with("Amy"), "{amy_log:?}");
    // Per member of staff at one school, and no further than asked.
    let officer = store
        .access_log(AccessOf::User(f.school, f.officer), 2)
        .await
        .unwrap();
    let pupils: Vec<_> = officer.iter().map(|a| a.pupil).collect();
    assert_eq!(pupils, [ben, amy]);
    let elsewhere = store
        .access_log(AccessOf::User(f.other_school, f.officer), 100)
        .await
        .unwrap();
    assert!(elsewhere.is_empty(), "{elsewhere:?}");
    for sql in [
        "UPDATE access_log SET by_name = 'nobody'",
        "DELETE FROM access_log",
    ] {
        let err = db.execute(sql).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
}

pub async fn entries_past_retention_are_erased_deliberately(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    store
        .submit_register(&submission(&f, ["/", "N", "N"], None))
        .await
        .unwrap();
    let (amy, ben, cara) = (f.pupils[0], f.pupils[1], f.pupils[2]);
    // Ben's mark is amended years later, which is an entry of its own.
    let much_later = date(2028, 3, 1)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp();
    store
        .amend_mark(&Amendment {
            pupil: ben,
            key: am(),
            code: Code::parse("I").unwrap(),
            minutes_late: None,
            comment: None,
            reason: "Doctor's letter found".into(),
            actor: actor("Lisa Craven", "Attendance officer"),
            at: much_later,
            seen: None,
        })
        .await
        .unwrap();
    // Amy and Ben leave; Cara stays.
    for pupil in [amy, ben] {
        store
            .record_leaving(pupil, date(2026, 7, 20))
            .await
            .unwrap();
    }
    let today = date(2032, 9, 1);
    let cutoff = retention_cutoff(today, 6).unwrap();
    let old = store.old_sessions(today, cutoff).await.unwrap();
    let pupils: Vec<_> = old.iter().map(|s| s.pupil).collect();
    assert_eq!(pupils, [amy, ben], "Cara is still on roll: {old:?}");
    assert_eq!(old[1].last_entry, date(2028, 3, 1));
    assert_eq!((old[0].entries, old[1].entries), (1, 2));
    let due: Vec<OldSession> = old
        .into_iter()
        .filter(|s| past_retention(s.date, s.last_entry, Some(s.left), today, cutoff))
        .collect();
    assert_eq!(due.len(), 1, "Ben's amendment is kept six years: {due:?}");
    // A deletion without the erasure's own step is still refused.
    let err = db
        .execute("DELETE FROM ledger WHERE version = 1")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");

    let erased = store
        .erase(&due, cutoff, at(12, 0), "rollcall retention")
        .await
        .unwrap();
    assert_eq!(erased.len(), 1);
    assert_eq!(
        (erased[0].pupil, erased[0].sessions, erased[0].entries),
        (amy, 1, 1)
    );
    assert_eq!((erased[0].first, erased[0].last), (SCHOOL_DAY, SCHOOL_DAY));
    let marks = async |pupil| {
        store
            .marks(pupil, SCHOOL_DAY, SCHOOL_DAY)
            .await
            .unwrap()
            .len()
    };
    assert_eq!(
        (marks(amy).await, marks(ben).await, marks(cara).await),
        (0, 1, 1)
    );
    assert_eq!(
        store.ledger(ben).await.unwrap().len(),
        1,
        "the amendment stays"
    );
    let intact = store.verify_ledger(f.school).await.unwrap();
    assert!(intact.intact(), "{intact:?}");
    let log = store.erasures().await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].erasure, erased[0]);
    assert_eq!(
        (log[0].cutoff, log[0].by.as_str()),
        (cutoff, "rollcall retention")
    );
    // Erasing again finds nothing left to erase, and a session read before an amendment is kept.
    assert!(
        store
            .erase(&due, cutoff, at(12, 1), "again")
            .await
            .unwrap()
            .is_empty()
    );
    let stale = OldSession {
        entries: 1,
        ..store.old_sessions(today, cutoff).await.unwrap()[0].clone()
    };
    assert!(
        store
            .erase(&[stale], cutoff, at(12, 2), "stale")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(marks(ben).await, 1);
    for sql in [
        "UPDATE erasures SET by_name = 'nobody'",
        "DELETE FROM erasures",
    ] {
        let err = db.execute(sql).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
}
