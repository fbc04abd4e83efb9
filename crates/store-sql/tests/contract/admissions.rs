use jiff::civil::{DateTime, date};
use rollcall_core::admission::deletion::{Deletion, Ground};
use rollcall_core::admission::{Entry, NextSchool, Registration};
use rollcall_core::{Calendar, Code, DateRange, Session, SessionKey, Term, Upn};
use rollcall_store::{
    Admissions as _, Contact, Contacts as _, Directory as _, EntryChange, NewAdmission,
    PlannedMark, Registers as _, StoreError, delete,
};
use rollcall_testkit::fixture::{self, SCHOOL_DAY};
use rollcall_testkit::{Backend, database};

use crate::marks::{actor, at};

fn calendar() -> Calendar {
    Calendar::from_terms(
        vec![Term {
            name: "Autumn 2025".into(),
            dates: DateRange {
                first: date(2025, 9, 1),
                last: date(2025, 12, 19),
            },
            half_term_break: Some(DateRange {
                first: date(2025, 10, 27),
                last: date(2025, 10, 31),
            }),
        }],
        vec![],
    )
    .unwrap()
}

fn entry() -> Entry {
    Entry {
        address: "4 Church Lane, Woburn MK17 9PX".into(),
        last_school: "Eversholt Lower School, Eversholt".into(),
        boarder: false,
        registration: Registration::Single,
        other_school: None,
        future_address: None,
        next_school: None,
    }
}

fn mother() -> Contact {
    Contact {
        name: "Fiona Fox".into(),
        relationship: "Mother".into(),
        parental_responsibility: true,
        lives_with_pupil: true,
        correspondence: true,
        salutation: Some("Mrs Fox".into()),
        priority: 1,
        phones: vec!["07700 900123".into()],
        email: Some("fiona.fox@example.org".into()),
        address: Some("4 Church Lane, Woburn MK17 9PX".into()),
        preferred_language: None,
        court_order: None,
        opted_out: false,
    }
}

fn now(day: jiff::civil::Date) -> DateTime {
    day.at(10, 0, 0, 0)
}

fn fields(e: StoreError) -> Vec<&'static str> {
    match e {
        StoreError::Refused(errors) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected a refusal, got {other}"),
    }
}

pub async fn admit_change_delete_and_admit_again(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let office = actor("Tina Shaw", "Attendance officer");
    let mut pupil = fixture::pupil("X801200005006", "Fox", "Finn", "5A");
    // Admitted in advance: the starting day is next Monday.
    pupil.entry_date = Some(date(2025, 9, 15));
    let admission = NewAdmission {
        school: f.school,
        pupil: pupil.clone(),
        entry: entry(),
        contacts: vec![mother()],
        actor: office.clone(),
        at: now(SCHOOL_DAY),
    };
    let before = store.pupils(f.school).await.unwrap().len();
    // An entry without an address is refused whole, with the field named.
    let bad = NewAdmission {
        entry: Entry {
            address: String::new(),
            ..entry()
        },
        ..admission.clone()
    };
    assert_eq!(fields(store.admit(&bad).await.unwrap_err()), ["address"]);
    // So is one without a parent the pupil lives with, with a telephone number.
    let no_phone = NewAdmission {
        contacts: vec![Contact {
            phones: vec![],
            ..mother()
        }],
        ..admission.clone()
    };
    assert_eq!(
        fields(store.admit(&no_phone).await.unwrap_err()),
        ["contacts"]
    );
    assert_eq!(store.pupils(f.school).await.unwrap().len(), before);

    let key = store.admit(&admission).await.unwrap();
    // The parents given are the contacts' first versions, with who entered them.
    let versions = store.contact_history(key).await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].by, "Tina Shaw, Attendance officer");
    let again = store.admit(&admission).await.unwrap_err();
    assert!(matches!(again, StoreError::Conflict(_)), "{again}");
    // Prospective until the starting day: on no register before it.
    let class = |day| {
        let store = &store;
        async move {
            store
                .pupils_of_group(f.group, day)
                .await
                .unwrap()
                .into_iter()
                .any(|p| p.key == key)
        }
    };
    assert!(!class(SCHOOL_DAY).await);
    assert!(class(date(2025, 9, 15)).await);

    // A leaving form: the new school and address, kept as a new version.
    let notified = Entry {
        next_school: Some(NextSchool {
            name: "Harlington Upper School".into(),
            address: "Goswell End Road, Harlington".into(),
            from: Some(date(2025, 11, 17)),
        }),
        ..entry()
    };
    store
        .change_entry(
            key,
            &notified,
            EntryChange::Notified,
            &office,
            now(date(2025, 11, 3)),
        )
        .await
        .unwrap();
    let history = store.entry_history(key).await.unwrap();
    let changes: Vec<EntryChange> = history.iter().map(|v| v.change).collect();
    assert_eq!(changes, [EntryChange::Admitted, EntryChange::Notified]);
    assert_eq!(history[0].entry, entry());
    assert_eq!(history[1].entry, notified);
    assert_eq!(history[1].by, "Tina Shaw, Attendance officer");

    // A deletion under (a) needs the other school; refused whole, nothing written.
    let deletion = Deletion {
        ground: Ground::OtherSchool,
        leaving_date: date(2025, 11, 14),
        other_school: None,
        evidence_date: Some(date(2025, 11, 17)),
        enquiries: None,
        confirmed: true,
        note: String::new(),
    };
    let calendar = calendar();
    let refused = delete(
        &store,
        key,
        &deletion,
        &calendar,
        &office,
        now(date(2025, 11, 14)),
    )
    .await
    .unwrap_err();
    assert_eq!(fields(refused), ["other_school"]);
    assert!(store.deletions(key).await.unwrap().is_empty());
    assert_eq!(store.pupil(key).await.unwrap().pupil.leaving_date, None);

    let deletion = Deletion {
        other_school: Some("Harlington Upper School".into()),
        ..deletion
    };
    delete(
        &store,
        key,
        &deletion,
        &calendar,
        &office,
        now(date(2025, 11, 14)),
    )
    .await
    .unwrap();
    let held = store.pupil(key).await.unwrap();
    assert_eq!(held.pupil.leaving_date, Some(date(2025, 11, 14)));
    assert!(class(date(2025, 11, 14)).await);
    assert!(!class(date(2025, 11, 17)).await);
    let line = store
        .admission_register(f.school)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.record.key == key)
        .unwrap();
    assert_eq!(line.deletion.as_ref().unwrap().deletion, deletion);
    assert_eq!(line.entry.as_ref().unwrap().entry, notified);
    // Deleted once only.
    let twice = delete(
        &store,
        key,
        &deletion,
        &calendar,
        &office,
        now(date(2025, 11, 14)),
    )
    .await
    .unwrap_err();
    assert_eq!(fields(twice), ["leaving_date"]);

    // Admitted again: the same record, a second spell, the deletion kept as history.
    let back = NewAdmission {
        pupil: fixture::pupil("X801200005006", "Fox", "Finn", "5B"),
        at: now(date(2025, 12, 1)),
        ..admission
    };
    let mut back = back;
    back.pupil.entry_date = Some(date(2025, 12, 1));
    assert_eq!(store.admit(&back).await.unwrap(), key);
    let held = store.pupil(key).await.unwrap();
    assert_eq!(held.pupil.leaving_date, None);
    assert_eq!(held.pupil.reg_group, "5B");
    assert_eq!(store.pupil_history(key).await.unwrap().enrolments.len(), 2);
    assert_eq!(store.deletions(key).await.unwrap().len(), 1);
    // The contacts held are kept, not entered twice.
    assert_eq!(store.contacts(key).await.unwrap().len(), 1);
    let line = store
        .admission_register(f.school)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.record.key == key)
        .unwrap();
    assert!(line.deletion.is_none());
    assert_eq!(store.entry_history(key).await.unwrap().len(), 3);
}

pub async fn the_twenty_day_ground_reads_the_register(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let office = actor("Tina Shaw", "Attendance officer");
    let calendar = calendar();
    let key = f.pupils[0];
    // N for every session from Monday 6 October for 19 school days, across half term.
    let sessions: Vec<SessionKey> = calendar
        .school_sessions(DateRange {
            first: date(2025, 10, 6),
            last: date(2025, 11, 6),
        })
        .map(|s| s.key())
        .collect();
    assert_eq!(sessions.len(), 38);
    let plans = |keys: &[SessionKey]| -> Vec<PlannedMark> {
        keys.iter()
            .map(|&k| PlannedMark {
                pupil: key,
                key: k,
                code: Code::ReasonNotEstablished,
                comment: None,
            })
            .collect()
    };
    store
        .plan_marks(&plans(&sessions), &office, at(7, 0))
        .await
        .unwrap();
    let deletion = Deletion {
        ground: Ground::Missing,
        leaving_date: date(2025, 11, 7),
        other_school: None,
        evidence_date: None,
        enquiries: Some(
            "CME officer Dee Rao and the school: home visits 3 and 5 November; no trace".into(),
        ),
        confirmed: true,
        note: String::new(),
    };
    let today = now(date(2025, 11, 7));
    let short = delete(&store, key, &deletion, &calendar, &office, today)
        .await
        .unwrap_err();
    assert_eq!(fields(short), ["ground"]);
    // The twentieth day, 7 November, makes 40 sessions.
    let friday = [Session::Am, Session::Pm].map(|session| SessionKey {
        date: date(2025, 11, 7),
        session,
    });
    store
        .plan_marks(&plans(&friday), &office, at(7, 0))
        .await
        .unwrap();
    delete(&store, key, &deletion, &calendar, &office, today)
        .await
        .unwrap();
    // The record and its marks stay.
    assert_eq!(
        store.pupil(key).await.unwrap().pupil.upn,
        Upn::parse("B801200005001").unwrap()
    );
    let marks = store
        .marks(key, date(2025, 10, 6), date(2025, 11, 7))
        .await
        .unwrap();
    assert_eq!(marks.len(), 40);
}

/// A learner's home school: each change kept, the latest in force, one learner's link never
/// another's, and a link with no way to reach the lead refused with nothing written.
pub async fn home_school_links_keep_every_change(backend: Backend) {
    use rollcall_core::admission::home::HomeLink;
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "x").await;
    let link = |lead: &str, email: Option<&str>| HomeLink {
        school: "Kings Academy".into(),
        la_estab: rollcall_core::LaEstab::parse("801/4100").ok(),
        lead: lead.into(),
        email: email.map(Into::into),
        phone: None,
    };
    let when = DateTime::constant(2025, 9, 10, 9, 0, 0, 0);
    let who = actor("Lisa Craven", "Attendance officer");
    let refused = store
        .set_home_link(f.pupils[0], &link("Ann Lee", None), &who, when)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, rollcall_store::StoreError::Refused(_)),
        "{refused}"
    );
    assert!(store.home_links(f.school).await.unwrap().is_empty());
    store
        .set_home_link(
            f.pupils[0],
            &link("Ann Lee", Some("a.lee@kings.example")),
            &who,
            when,
        )
        .await
        .unwrap();
    store
        .set_home_link(
            f.pupils[0],
            &link("Raj Patel", Some("r.patel@kings.example")),
            &who,
            when,
        )
        .await
        .unwrap();
    store
        .set_home_link(
            f.pupils[1],
            &link("Ann Lee", Some("a.lee@kings.example")),
            &who,
            when,
        )
        .await
        .unwrap();
    let links = store.home_links(f.school).await.unwrap();
    assert_eq!(links.len(), 2);
    assert_eq!(
        links[0],
        (
            f.pupils[0],
            link("Raj Patel", Some("r.patel@kings.example"))
        )
    );
    assert!(store.home_links(f.other_school).await.unwrap().is_empty());
}
