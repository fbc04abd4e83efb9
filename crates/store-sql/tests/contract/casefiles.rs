use jiff::civil::date;
use rollcall_core::casefile::{
    PartTime, PenaltyNotice, PenaltyStatus, Record, Referral, ReferralTo, WeeklySession,
};
use rollcall_core::delivery::Delivery;
use rollcall_core::{CaseEntry, Code, EntryKind, ItemKey, Session, SessionKey};
use rollcall_store::{
    CaseFiles as _, Casework as _, NewCaseEntry, NewFileRecord, NewLetter, NewLetterSent,
    PlannedMark, PupilKey, Registers as _, StoreError,
};
use rollcall_testkit::fixture::{self, SCHOOL_DAY};
use rollcall_testkit::{Backend, database};

use crate::marks::{actor, at};

fn entry(pupil: PupilKey, kind: EntryKind, item: Option<&str>, note: &str) -> NewCaseEntry {
    NewCaseEntry {
        pupil,
        entry: CaseEntry {
            at: SCHOOL_DAY.at(10, 0, 0, 0),
            kind,
            item: item.and_then(ItemKey::parse),
            with: String::new(),
            note: note.into(),
            by: String::new(),
        },
        actor: actor("June Turner", "Headteacher"),
        recorded_at: at(10, 0),
    }
}

fn friday_pm(date: jiff::civil::Date) -> SessionKey {
    SessionKey {
        date,
        session: Session::Pm,
    }
}

pub async fn records_change_with_their_trail_and_letters_are_kept(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let amy = f.pupils[0];

    // A part-time timetable enters its C2 marks with the record and its entry, together.
    let part_time = PartTime {
        agreed_with: "Parent of Amy".into(),
        starts: date(2025, 9, 15),
        ends: date(2025, 9, 26),
        off: vec![WeeklySession {
            weekday: 5,
            session: Session::Pm,
        }],
        reviews: vec![date(2025, 9, 22)],
        la_informed: None,
    };
    let timetable = Record::PartTime(part_time.clone());
    let fridays = [date(2025, 9, 19), date(2025, 9, 26)];
    let id = store
        .file_record(&NewFileRecord {
            record: timetable.clone(),
            entry: entry(amy, EntryKind::Plan, None, "Part-time timetable"),
            marks: fridays
                .iter()
                .map(|&d| PlannedMark {
                    pupil: amy,
                    key: friday_pm(d),
                    code: Code::PartTimeTimetable,
                    comment: None,
                })
                .collect(),
        })
        .await
        .unwrap();
    let marks = store
        .marks(amy, date(2025, 9, 15), date(2025, 9, 26))
        .await
        .unwrap();
    let c2: Vec<_> = marks.iter().map(|m| (m.key, m.code)).collect();
    assert_eq!(
        c2,
        fridays
            .iter()
            .map(|&d| (friday_pm(d), Code::PartTimeTimetable))
            .collect::<Vec<_>>()
    );
    let file = store.case_file(amy).await.unwrap();
    assert_eq!(file.len(), 1);
    assert_eq!(file[0].record, timetable);
    assert_eq!(file[0].by, "June Turner, Headteacher");

    // A change replaces the record and adds to the chronology; the kind cannot change.
    let referral = Record::Referral(Referral {
        to: ReferralTo::EarlyHelp,
        made: SCHOOL_DAY,
        reason: "Family asked for support".into(),
        outcome: None,
    });
    let informed = Record::PartTime(PartTime {
        la_informed: Some(SCHOOL_DAY),
        ..part_time
    });
    store
        .update_record(
            f.school,
            id,
            &informed,
            &entry(amy, EntryKind::Plan, None, "LA told"),
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .update_record(
                f.school,
                id,
                &referral,
                &entry(amy, EntryKind::Referral, None, "x")
            )
            .await,
        Err(StoreError::Invalid(_))
    ));
    // Another school's record, or another pupil's, is not found.
    assert!(matches!(
        store
            .update_record(
                f.other_school,
                id,
                &informed,
                &entry(amy, EntryKind::Plan, None, "x")
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    let ben = f.pupils[1];
    assert!(matches!(
        store
            .update_record(
                f.school,
                id,
                &informed,
                &entry(ben, EntryKind::Plan, None, "x")
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        store
            .filed_record(f.school, id)
            .await
            .unwrap()
            .record
            .record,
        informed
    );
    let notes: Vec<String> = store
        .chronology(amy)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.entry.note)
        .collect();
    assert_eq!(notes, ["Part-time timetable", "LA told"]);

    // A penalty notice's entry completes the worklist item it names.
    let notice = Record::PenaltyNotice(PenaltyNotice {
        parent: "Parent of Ben".into(),
        issued: SCHOOL_DAY,
        first: friday_pm(date(2025, 9, 5)),
        last: friday_pm(date(2025, 9, 9)),
        status: PenaltyStatus::Issued,
    });
    store
        .file_record(&NewFileRecord {
            record: notice.clone(),
            entry: entry(
                ben,
                EntryKind::Decision,
                Some("penalty.consider@2025-09-09"),
                "Issued",
            ),
            marks: vec![],
        })
        .await
        .unwrap();
    let school = store.school_case_files(f.school).await.unwrap();
    assert_eq!(school.len(), 2);
    assert!(
        school
            .iter()
            .any(|r| r.pupil == ben && r.record.record == notice)
    );
    assert_eq!(
        store.chronology(ben).await.unwrap()[0].entry.item,
        ItemKey::parse("penalty.consider@2025-09-09")
    );

    // Letters are kept as printed, each with its entry, all or none.
    let letter = |pupil, subject: &str| NewLetter {
        template: "letter_1".into(),
        recipient: "Parent of Amy".into(),
        subject: subject.into(),
        content: r#"{"printed":true}"#.into(),
        entry: entry(
            pupil,
            EntryKind::Letter,
            Some("stage.listen.letter_1@2025/26"),
            subject,
        ),
    };
    let ids = store
        .add_letters(&[letter(amy, "Re: Low attendance letter 1")])
        .await
        .unwrap();
    assert!(
        store
            .add_letters(&[
                letter(amy, "never kept"),
                letter(PupilKey(-1), "no such pupil")
            ])
            .await
            .is_err()
    );
    let kept = store.letters(amy).await.unwrap();
    let subjects: Vec<&str> = kept.iter().map(|l| l.subject.as_str()).collect();
    assert_eq!(subjects, ["Re: Low attendance letter 1"]);
    let first = store.letter(f.school, ids[0]).await.unwrap();
    assert_eq!(first.content, r#"{"printed":true}"#);
    assert_eq!(first.by, "June Turner, Headteacher");
    assert!(matches!(
        store.letter(f.other_school, ids[0]).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(
        !store
            .chronology(amy)
            .await
            .unwrap()
            .iter()
            .any(|r| r.entry.note == "never kept")
    );
    assert_eq!(first.item.as_deref(), Some("stage.listen.letter_1@2025/26"));
    assert_eq!(first.sent, None, "printed is not sent");

    // Recorded as sent with its entry; taken back by another row; the latest row stands.
    let sent = |how: Delivery, kind: EntryKind, note: &str| NewLetterSent {
        school: f.school,
        letter: ids[0],
        how,
        entry: entry(amy, kind, Some("stage.listen.letter_1@2025/26"), note),
    };
    let entries = store.chronology(amy).await.unwrap().len();
    store
        .letter_sent(&sent(Delivery::Posted, EntryKind::Letter, "posted"))
        .await
        .unwrap();
    let posted = store.letter(f.school, ids[0]).await.unwrap().sent.unwrap();
    assert_eq!(posted.how, Delivery::Posted);
    assert_eq!(posted.by, "June Turner, Headteacher");
    store
        .letter_sent(&sent(Delivery::Undone, EntryKind::Undone, "taken back"))
        .await
        .unwrap();
    assert_eq!(store.letters(amy).await.unwrap()[0].sent, None);
    store
        .letter_sent(&sent(Delivery::Emailed, EntryKind::Letter, "emailed"))
        .await
        .unwrap();
    let kept = store.letters(amy).await.unwrap();
    assert_eq!(
        kept[0].sent.as_ref().map(|s| s.how),
        Some(Delivery::Emailed)
    );
    assert_eq!(store.chronology(amy).await.unwrap().len(), entries + 3);
    // Another pupil's entry, or another school's letter, is refused and writes nothing.
    let mut wrong_pupil = sent(Delivery::Posted, EntryKind::Letter, "wrong");
    wrong_pupil.entry.pupil = ben;
    assert!(store.letter_sent(&wrong_pupil).await.is_err());
    let mut wrong_school = sent(Delivery::Posted, EntryKind::Letter, "wrong");
    wrong_school.school = f.other_school;
    assert!(store.letter_sent(&wrong_school).await.is_err());
    assert_eq!(store.chronology(amy).await.unwrap().len(), entries + 3);
}
