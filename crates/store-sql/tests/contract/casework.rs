use jiff::civil::{Date, date};
use rollcall_core::{CaseEntry, EntryKind, Flag, ItemKey, Rating};
use rollcall_store::{
    Casework as _, Channel, ContactId, Directory as _, NewCaseEntry, NewFlag, NewMessage, PupilKey,
    ScheduledJob, StoreError,
};
use rollcall_testkit::fixture::{self, SCHOOL_DAY};
use rollcall_testkit::{Backend, database};

use crate::marks::{actor, am, at};

fn entry(
    pupil: PupilKey,
    hour: i8,
    kind: EntryKind,
    item: Option<&str>,
    note: &str,
) -> NewCaseEntry {
    NewCaseEntry {
        pupil,
        entry: CaseEntry {
            at: SCHOOL_DAY.at(hour, 0, 0, 0),
            kind,
            item: item.and_then(ItemKey::parse),
            with: "Parent of Amy".into(),
            note: note.into(),
            by: String::new(),
        },
        actor: actor("Lisa Craven", "Attendance officer"),
        recorded_at: at(hour, 5),
    }
}

pub async fn chronology_is_kept_in_order_and_never_changed(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let amy = f.pupils[0];
    for e in [
        entry(
            amy,
            11,
            EntryKind::RiskAssessment {
                likelihood: 4,
                frequency: 3,
            },
            None,
            "Scored with the DSL",
        ),
        entry(
            amy,
            9,
            EntryKind::Call,
            Some("first_day.call@2025-09-10 AM"),
            "No answer; voicemail left",
        ),
        entry(
            amy,
            10,
            EntryKind::RatingOverride(Rating::Red),
            None,
            "New social worker",
        ),
        entry(f.other_pupils[0], 9, EntryKind::Letter, None, "Letter 1"),
    ] {
        store.add_case_entry(&e).await.unwrap();
    }
    let kept = store.chronology(amy).await.unwrap();
    let kinds: Vec<EntryKind> = kept.iter().map(|r| r.entry.kind).collect();
    assert_eq!(
        kinds,
        [
            EntryKind::Call,
            EntryKind::RatingOverride(Rating::Red),
            EntryKind::RiskAssessment {
                likelihood: 4,
                frequency: 3
            },
        ],
        "oldest first, whatever order they were recorded in"
    );
    let call = &kept[0];
    assert_eq!(
        call.entry.item.as_ref().unwrap().to_string(),
        "first_day.call@2025-09-10 AM"
    );
    assert_eq!(call.entry.by, "Lisa Craven, Attendance officer");
    assert_eq!(call.entry.note, "No answer; voicemail left");
    assert_eq!(call.recorded_at, at(9, 5));
    assert_eq!(store.school_chronology(f.school).await.unwrap().len(), 4);
    assert!(
        store
            .school_chronology(f.other_school)
            .await
            .unwrap()
            .is_empty()
    );

    let missing = entry(PupilKey(9_999), 9, EntryKind::Note, None, "nobody");
    assert!(matches!(
        store.add_case_entry(&missing).await,
        Err(StoreError::NotFound("pupil"))
    ));
    for sql in [
        "UPDATE case_entries SET note = 'answered' WHERE kind = 'call'",
        "DELETE FROM case_entries WHERE kind = 'letter'",
    ] {
        let err = db.execute(sql).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
}

pub async fn circumstances_have_dated_spells(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let amy = f.pupils[0];
    let flag = |flag: Flag, from: Date| NewFlag {
        pupil: amy,
        flag,
        from,
        note: "LA notification".into(),
        actor: actor("June Turner", "Headteacher"),
        at: at(9, 0),
    };
    let plan = store
        .add_flag(&flag(Flag::ChildProtectionPlan, date(2025, 9, 1)))
        .await
        .unwrap();
    store
        .add_flag(&flag(Flag::SocialWorker, date(2025, 9, 8)))
        .await
        .unwrap();
    let ender = actor("Lisa Craven", "Attendance officer");
    let err = store
        .end_flag(amy, plan, date(2025, 8, 1), &ender)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid(_)),
        "ends before it began: {err}"
    );
    store
        .end_flag(amy, plan, date(2025, 9, 30), &ender)
        .await
        .unwrap();
    let err = store
        .end_flag(amy, plan, date(2025, 10, 30), &ender)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid(_)),
        "already ended: {err}"
    );
    let err = store
        .end_flag(f.pupils[1], plan, date(2025, 10, 30), &ender)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid(_)),
        "another pupil's: {err}"
    );

    let flags = store.flags(amy).await.unwrap();
    assert_eq!(flags.len(), 2);
    let cp = &flags[0];
    assert_eq!(
        (cp.flag, cp.until),
        (Flag::ChildProtectionPlan, Some(date(2025, 9, 30)))
    );
    assert_eq!(cp.by, "June Turner, Headteacher");
    assert_eq!(
        cp.ended_by.as_deref(),
        Some("Lisa Craven, Attendance officer")
    );
    let on = |d: Date| -> Vec<Flag> {
        flags
            .iter()
            .filter(|r| r.applies_on(d))
            .map(|r| r.flag)
            .collect()
    };
    assert_eq!(on(date(2025, 9, 2)), [Flag::ChildProtectionPlan]);
    assert_eq!(
        on(date(2025, 9, 30)),
        [Flag::ChildProtectionPlan, Flag::SocialWorker]
    );
    assert_eq!(on(date(2025, 10, 1)), [Flag::SocialWorker]);
    assert_eq!(store.school_flags(f.school).await.unwrap(), flags);
    assert!(store.school_flags(f.other_school).await.unwrap().is_empty());
}

pub async fn a_close_job_runs_once_across_processes_and_restarts(backend: Backend) {
    let db = database(backend).await;
    let first = db.store().await;
    let f = fixture::school(&first, "hash").await;
    // A second server process on the same database.
    let second = db.store().await;
    let contacts = first.contacts(f.pupils[2]).await.unwrap();
    let job = |runner: &str| ScheduledJob {
        kind: rollcall_store::JobKind::RegisterClose,
        school: f.school,
        key: am(),
        runner: runner.into(),
        at: at(9, 30),
        summary: "1 pupil absent with no reason".into(),
        messages: vec![NewMessage {
            pupil: Some(f.pupils[2]),
            contact: Some(contacts[0].id),
            channel: Channel::Sms,
            recipient: "07700 900001".into(),
            subject: None,
            body: "Cara is not in school".into(),
            withheld: None,
        }],
        entries: vec![entry(
            f.pupils[2],
            9,
            EntryKind::Text,
            Some("first_day.text@2025-09-10 AM"),
            "Queued",
        )],
        // A home-school notice made by the job: made once, whichever runner wins.
        returns: vec![rollcall_store::NewReturn {
            school: f.school,
            key: rollcall_returns::Key::parse("home_school:B801200005001@2025-09-10/am").unwrap(),
            due: SCHOOL_DAY,
            sent: rollcall_store::Sent::Emailed,
            to: "a.lee@kings.example".into(),
            content: "UPN\nB801200005001\n".into(),
            entries: vec![(
                Some(NewMessage {
                    pupil: Some(f.pupils[0]),
                    contact: None,
                    channel: Channel::Email,
                    recipient: "a.lee@kings.example".into(),
                    subject: Some("Absence".into()),
                    body: "Record D".into(),
                    withheld: None,
                }),
                entry(
                    f.pupils[0],
                    9,
                    EntryKind::Notification,
                    Some("home_school.notify@2025-09-10 AM"),
                    "Emailed",
                ),
            )],
            by: "rollcall, register close".into(),
            at: date(2025, 9, 10).at(9, 15, 0, 0),
            recorded_at: at(9, 30),
        }],
    };
    let (one, two) = (job("one"), job("two"));
    let (a, b) = tokio::join!(first.run_job(&one), second.run_job(&two));
    let ran = [a.unwrap(), b.unwrap()];
    assert_eq!(ran.iter().filter(|r| **r).count(), 1, "{ran:?}");
    // After a restart.
    first.close().await;
    let restarted = db.store().await;
    assert!(!restarted.run_job(&job("three")).await.unwrap());

    let jobs = restarted.jobs(f.school, SCHOOL_DAY).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        (jobs[0].kind.as_str(), jobs[0].key),
        ("register_close", am())
    );
    assert!(["one", "two"].contains(&jobs[0].runner.as_str()));
    let outbox = restarted.outbox(f.school).await.unwrap();
    assert_eq!(outbox.len(), 2, "the text and the home school's email");
    assert_eq!(
        rollcall_store::ReturnsMade::returns_made(&restarted, f.school)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(outbox[0].message.contact, Some(ContactId(contacts[0].id.0)));
    assert_eq!((outbox[0].queued_at, outbox[0].sent_at), (at(9, 30), None));
    assert_eq!(restarted.chronology(f.pupils[2]).await.unwrap().len(), 1);
    assert!(
        restarted
            .jobs(f.other_school, SCHOOL_DAY)
            .await
            .unwrap()
            .is_empty()
    );

    // The afternoon is another job.
    let mut pm = job("one");
    pm.key.session = rollcall_core::Session::Pm;
    pm.messages.clear();
    pm.entries.clear();
    pm.returns.clear();
    assert!(restarted.run_job(&pm).await.unwrap());
    // So is the weekly summary at the same session: an email to staff, about no pupil.
    let mut weekly = pm.clone();
    weekly.kind = rollcall_store::JobKind::WeeklySummary;
    weekly.messages = vec![NewMessage {
        pupil: None,
        contact: None,
        channel: Channel::Email,
        recipient: "head@fixture.sch.uk".into(),
        subject: Some("Attendance this week".into()),
        body: "93.10%".into(),
        withheld: None,
    }];
    assert!(restarted.run_job(&weekly).await.unwrap());
    assert!(!restarted.run_job(&weekly).await.unwrap());
    let outbox = restarted.outbox(f.school).await.unwrap();
    let last = outbox.last().unwrap();
    assert_eq!((last.message.pupil, last.message.contact), (None, None));
    assert_eq!(last.message.recipient, "head@fixture.sch.uk");
}
