use jiff::Timestamp;
use jiff::civil::date;
use rollcall_core::{Code, Session, SessionKey};
use rollcall_store::Registers as _;
use rollcall_store::{
    Actor, Amendment, BulkChange, EnteredMark, MarkSource, PlannedMark, PupilKey, StoreError,
    Submission,
};
use rollcall_testkit::fixture::{self, Fixture, SCHOOL_DAY};
use rollcall_testkit::{Backend, database};

pub fn actor(name: &str, position: &str) -> Actor {
    Actor {
        user: None,
        name: name.into(),
        position: position.into(),
    }
}

pub fn am() -> SessionKey {
    SessionKey {
        date: SCHOOL_DAY,
        session: Session::Am,
    }
}

pub fn at(hour: i8, minute: i8) -> Timestamp {
    SCHOOL_DAY
        .at(hour, minute, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
}

/// A submission of 5A's morning register with these codes for Amy, Ben and Cara.
pub fn submission(f: &Fixture, codes: [&str; 3], reason: Option<&str>) -> Submission {
    Submission {
        group: f.group,
        key: am(),
        marks: f
            .pupils
            .iter()
            .zip(codes)
            .map(|(&pupil, code)| EnteredMark {
                pupil,
                code: Code::parse(code).unwrap(),
                minutes_late: (code == "L").then_some(7),
                comment: None,
                seen: None,
            })
            .collect(),
        reason: reason.map(str::to_owned),
        authority: rollcall_core::Authority::AMEND_ANY,
        actor: actor("Tom Teach", "Class teacher, 5A"),
        at: at(8, 50),
        idempotency_key: None,
    }
}

pub async fn first_recording_then_amendment_with_reason(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let outcome = store
        .submit_register(&submission(&f, ["/", "L", "N"], None))
        .await
        .unwrap();
    assert_eq!((outcome.inserted, outcome.amended), (3, 0));
    let sheet = store
        .register(f.group, SCHOOL_DAY, Session::Am)
        .await
        .unwrap();
    assert_eq!(sheet.taken.as_ref().unwrap().by, "Tom Teach");
    assert!(!sheet.taken.as_ref().unwrap().amended);
    let ben = sheet.rows[1].mark.as_ref().unwrap();
    assert_eq!(
        (ben.code, ben.minutes_late, ben.source),
        (Code::Late, Some(7), MarkSource::Register)
    );
    // First recordings are not amendments.
    assert!(store.ledger(f.pupils[2]).await.unwrap().is_empty());

    // Re-taking with a change needs a reason, and changes nothing without one.
    let err = store
        .submit_register(&submission(&f, ["/", "L", "I"], None))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(err.to_string().contains("give the reason"), "{err}");
    assert_eq!(
        store
            .register(f.group, SCHOOL_DAY, Session::Am)
            .await
            .unwrap()
            .rows[2]
            .mark
            .as_ref()
            .unwrap()
            .code,
        Code::ReasonNotEstablished
    );
    let outcome = store
        .submit_register(&submission(
            &f,
            ["/", "L", "I"],
            Some("Mother phoned: Cara is ill"),
        ))
        .await
        .unwrap();
    assert_eq!((outcome.unchanged, outcome.amended), (2, 1));
    let ledger = store.ledger(f.pupils[2]).await.unwrap();
    assert_eq!(ledger.len(), 1);
    let entry = &ledger[0];
    assert_eq!(entry.key, am());
    assert_eq!(entry.original.unwrap().code, Code::ReasonNotEstablished);
    assert_eq!(entry.new.code, Code::Illness);
    assert_eq!(entry.reason, "Mother phoned: Cara is ill");
    assert_eq!(
        (entry.by_name.as_str(), entry.by_position.as_str()),
        ("Tom Teach", "Class teacher, 5A")
    );
    assert_eq!(entry.at, at(8, 50));
    let sheet = store
        .register(f.group, SCHOOL_DAY, Session::Am)
        .await
        .unwrap();
    assert!(sheet.taken.unwrap().amended);
    assert_eq!(
        store.submissions(f.school, SCHOOL_DAY).await.unwrap().len(),
        2
    );
}

pub async fn a_register_needs_every_pupil_and_only_its_own(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let mut partial = submission(&f, ["/", "/", "/"], None);
    partial.marks.pop();
    let err = store.submit_register(&partial).await.unwrap_err();
    assert!(
        err.to_string().contains("still to mark: Cara Cole"),
        "{err}"
    );
    let mut foreign = submission(&f, ["/", "/", "/"], None);
    foreign.marks[0].pupil = f.other_pupils[0];
    let err = store.submit_register(&foreign).await.unwrap_err();
    assert!(err.to_string().contains("is not on 5A's register"), "{err}");
    let mut doubled = submission(&f, ["/", "/", "/"], None);
    doubled.marks[2].pupil = f.pupils[0];
    assert!(store.submit_register(&doubled).await.is_err());
    // Nothing was written by the refused submissions.
    let sheet = store
        .register(f.group, SCHOOL_DAY, Session::Am)
        .await
        .unwrap();
    assert!(sheet.taken.is_none() && sheet.rows.iter().all(|r| r.mark.is_none()));
}

pub async fn marks_entered_in_advance(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let plans = [
        PlannedMark {
            pupil: f.pupils[0],
            key: am(),
            code: Code::ExceptionalLeave,
            comment: Some("Grandfather's funeral".into()),
        },
        PlannedMark {
            pupil: f.pupils[1],
            key: am(),
            code: Code::PartTimeTimetable,
            comment: None,
        },
    ];
    let written = store
        .plan_marks(&plans, &actor("June Turner", "Headteacher"), at(7, 0))
        .await
        .unwrap();
    assert_eq!(written, 2);
    // Marks are entered only for pupils the store holds, with codes in force on the day.
    let stranger = PlannedMark {
        pupil: PupilKey(999_999),
        ..plans[0].clone()
    };
    assert!(matches!(
        store
            .plan_marks(&[stranger], &actor("June Turner", "Headteacher"), at(7, 0))
            .await,
        Err(StoreError::NotFound(_))
    ));
    let withdrawn = PlannedMark {
        code: Code::parse("H").unwrap(),
        key: SessionKey {
            date: date(2025, 9, 11),
            session: Session::Am,
        },
        ..plans[0].clone()
    };
    assert!(matches!(
        store
            .plan_marks(&[withdrawn], &actor("June Turner", "Headteacher"), at(7, 0))
            .await,
        Err(StoreError::Invalid(_))
    ));
    // Planning again writes nothing: the sessions are marked.
    assert_eq!(
        store
            .plan_marks(&plans, &actor("June Turner", "Headteacher"), at(7, 0))
            .await
            .unwrap(),
        0
    );
    let sheet = store
        .register(f.group, SCHOOL_DAY, Session::Am)
        .await
        .unwrap();
    let amy = sheet.rows[0].mark.as_ref().unwrap();
    assert_eq!(
        (amy.code, amy.source),
        (Code::ExceptionalLeave, MarkSource::Planned)
    );
    assert_eq!(amy.comment.as_deref(), Some("Grandfather's funeral"));
    // The register confirms Amy's leave; Ben turned up despite his timetable: an amendment.
    let err = store
        .submit_register(&submission(&f, ["C", "/", "/"], None))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)));
    let outcome = store
        .submit_register(&submission(
            &f,
            ["C", "/", "/"],
            Some("Came in for the morning"),
        ))
        .await
        .unwrap();
    assert_eq!(
        (outcome.confirmed, outcome.amended, outcome.inserted),
        (1, 1, 1)
    );
    assert!(store.ledger(f.pupils[0]).await.unwrap().is_empty());
    let ben = store.ledger(f.pupils[1]).await.unwrap();
    assert_eq!(ben[0].original.unwrap().code, Code::PartTimeTimetable);
}

pub async fn office_amendments(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    store
        .submit_register(&submission(&f, ["/", "N", "/"], None))
        .await
        .unwrap();
    let change = |code: &str, reason: &str| Amendment {
        pupil: f.pupils[1],
        key: am(),
        code: Code::parse(code).unwrap(),
        minutes_late: None,
        comment: None,
        reason: reason.into(),
        actor: actor("Lisa Craven", "Attendance officer"),
        at: at(10, 5),
        seen: None,
    };
    assert!(matches!(
        store.amend_mark(&change("M", " ")).await,
        Err(StoreError::Invalid(_))
    ));
    // The store refuses what the regulations do: minutes late only go with L or U.
    let minutes = Amendment {
        minutes_late: Some(5),
        ..change("M", "Dentist")
    };
    assert!(matches!(
        store.amend_mark(&minutes).await,
        Err(StoreError::Invalid(_))
    ));
    store
        .amend_mark(&change("M", "Dentist; card seen"))
        .await
        .unwrap();
    // The same mark again is no change and no ledger entry.
    store.amend_mark(&change("M", "Again")).await.unwrap();
    let ledger = store.ledger(f.pupils[1]).await.unwrap();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].by_position, "Attendance officer");
    // A session with no mark yet can be entered by the office too; its original is empty.
    let pm = Amendment {
        key: SessionKey {
            date: SCHOOL_DAY,
            session: Session::Pm,
        },
        ..change("I", "Sent home ill at lunch")
    };
    store.amend_mark(&pm).await.unwrap();
    let ledger = store.ledger(f.pupils[1]).await.unwrap();
    assert_eq!(ledger[1].original, None);
    assert_eq!((ledger[0].version, ledger[1].version), (2, 1));
    let marks = store
        .marks(f.pupils[1], SCHOOL_DAY, SCHOOL_DAY)
        .await
        .unwrap();
    assert_eq!(
        marks.iter().map(|m| m.code.symbol()).collect::<Vec<_>>(),
        ["M", "I"]
    );
    assert_eq!(marks[0].source, MarkSource::Office);
    let missing = Amendment {
        pupil: PupilKey(999_999),
        ..change("I", "x")
    };
    assert!(matches!(
        store.amend_mark(&missing).await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn bulk_codes_skip_recorded_marks(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    // Amy is present, Ben's reason is not yet known, Cara is ill: then the class goes on a trip.
    store
        .submit_register(&submission(&f, ["/", "N", "I"], None))
        .await
        .unwrap();
    let pm = SessionKey {
        date: SCHOOL_DAY,
        session: Session::Pm,
    };
    let trip = BulkChange {
        school: f.school,
        pupils: f.pupils.clone(),
        sessions: vec![am(), pm],
        code: Code::Visit,
        reason: "Year 5 trip to the Science Museum".into(),
        actor: actor("Lisa Craven", "Attendance officer"),
        at: at(11, 0),
    };
    let outcome = store.bulk_code(&trip).await.unwrap();
    // Written: Ben's N (AM) and all three afternoons. Skipped: Amy's / and Cara's I.
    assert_eq!(outcome.written, 4);
    let skipped: Vec<(PupilKey, Code)> = outcome.skipped.iter().map(|(p, _, c)| (*p, *c)).collect();
    assert_eq!(
        skipped,
        [(f.pupils[0], Code::PresentAm), (f.pupils[2], Code::Illness)]
    );
    let ben = store.ledger(f.pupils[1]).await.unwrap();
    assert_eq!(ben.len(), 2);
    assert_eq!(ben[0].original.unwrap().code, Code::ReasonNotEstablished);
    assert_eq!(ben[1].original, None);
    assert_eq!(store.ledger(f.pupils[0]).await.unwrap().len(), 1);
    // Another school's pupil cannot be reached through this school.
    let mut foreign = trip.clone();
    foreign.pupils = vec![f.stranger];
    assert!(matches!(
        store.bulk_code(&foreign).await,
        Err(StoreError::NotFound(_))
    ));
    // A planned closure only fills empty sessions.
    let closure = BulkChange {
        code: Code::PlannedClosure,
        sessions: vec![
            SessionKey {
                date: date(2025, 9, 11),
                session: Session::Am,
            },
            am(),
        ],
        reason: "Polling day".into(),
        ..trip
    };
    let outcome = store.bulk_code(&closure).await.unwrap();
    assert_eq!((outcome.written, outcome.skipped.len()), (3, 3));
}

pub async fn concurrent_registers_all_commit(backend: Backend) {
    let db = database(backend).await;
    let store = std::sync::Arc::new(db.store().await);
    let f = fixture::school(store.as_ref(), "hash").await;
    let mut tasks = Vec::new();
    for day in 0..10 {
        for (group, pupils) in [
            (f.group, f.pupils.clone()),
            (f.other_group, f.other_pupils.clone()),
        ] {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let date = date(2025, 9, 15)
                    .checked_add(jiff::Span::new().days(day))
                    .unwrap();
                let key = SessionKey {
                    date,
                    session: Session::Am,
                };
                let submission = Submission {
                    group,
                    key,
                    marks: pupils
                        .iter()
                        .map(|&pupil| EnteredMark {
                            pupil,
                            code: Code::PresentAm,
                            minutes_late: None,
                            comment: None,
                            seen: None,
                        })
                        .collect(),
                    reason: None,
                    authority: rollcall_core::Authority::AMEND_ANY,
                    actor: actor("Tom Teach", "Class teacher"),
                    at: at(8, 50),
                    idempotency_key: None,
                };
                store.submit_register(&submission).await.unwrap();
            }));
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut total = 0;
    for day in 0..10 {
        let date = date(2025, 9, 15)
            .checked_add(jiff::Span::new().days(day))
            .unwrap();
        total += store.submissions(f.school, date).await.unwrap().len();
    }
    assert_eq!(total, 20);
}

pub async fn teachers_correct_only_their_own_open_register(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let teacher = |codes: [&str; 3], hour: i8, minute: i8| Submission {
        authority: rollcall_core::Authority {
            may_amend: false,
            corrects_until: at(9, 15),
        },
        at: at(hour, minute),
        idempotency_key: None,
        ..submission(&f, codes, Some("Marked in error"))
    };
    store
        .submit_register(&teacher(["/", "N", "N"], 8, 50))
        .await
        .unwrap();
    // Before the register closes, the teacher corrects their own marks.
    let outcome = store
        .submit_register(&teacher(["/", "/", "N"], 9, 5))
        .await
        .unwrap();
    assert_eq!(outcome.amended, 1);
    // The office enters Cara's reason; the teacher cannot overwrite it, even while open.
    store
        .amend_mark(&Amendment {
            pupil: f.pupils[2],
            key: am(),
            code: Code::Illness,
            minutes_late: None,
            comment: None,
            reason: "Mother phoned".into(),
            seen: None,
            actor: actor("Lisa Craven", "Attendance officer"),
            at: at(9, 6),
        })
        .await
        .unwrap();
    let err = store
        .submit_register(&teacher(["/", "/", "/"], 9, 10))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Forbidden(_)), "{err}");
    assert!(
        err.to_string()
            .contains("Cara Cole: the mark was entered by the office; ask the attendance office"),
        "{err}"
    );
    // After it closes, not even their own.
    let err = store
        .submit_register(&teacher(["N", "/", "I"], 9, 20))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("Amy Able: the register closed"),
        "{err}"
    );
    // The same register, unchanged, may still be submitted; nothing was written by the refusals.
    store
        .submit_register(&teacher(["/", "/", "I"], 9, 20))
        .await
        .unwrap();
    let check = store.verify_ledger(f.school).await.unwrap();
    assert_eq!((check.entries, check.intact()), (5, true));
}
