use jiff::civil::{DateTime, date};
use rollcall_core::{Calendar, Code, DateRange, LaEstab, Term, YearGroup};
use rollcall_store::transfer::{export, import};
use rollcall_store::{
    Contacts as _, Directory as _, ImportDetails, NewSchool, Registers as _, SchoolId, StoreError,
};
use rollcall_store_sql::SqlStore;
use rollcall_testkit::fixture::POLICY;
use rollcall_testkit::{Backend, database};
use rollcall_transfer::{Placing, read, write};

use crate::import::register;
use crate::marks::{actor, at};

async fn school(store: &SqlStore, name: &str, la_estab: &str) -> SchoolId {
    store
        .create_school(&NewSchool {
            trust: None,
            name: name.into(),
            urn: None,
            la_estab: Some(LaEstab::parse(la_estab).unwrap()),
            policy: POLICY.into(),
        })
        .await
        .unwrap()
}

fn calendar() -> Calendar {
    Calendar::from_terms(
        vec![Term {
            name: "Autumn 2025".into(),
            dates: DateRange {
                first: date(2025, 9, 1),
                last: date(2025, 12, 19),
            },
            half_term_break: None,
        }],
        Vec::new(),
    )
    .unwrap()
}

fn placing() -> Placing {
    Placing {
        reg_group: "4C".into(),
        entry_date: date(2025, 10, 1),
        year_group: YearGroup::year(5).unwrap(),
    }
}

/// A pupil leaves with a CTF; the next school takes it in and holds the same figures, and its
/// own CTF of the pupil carries them on unchanged.
pub async fn a_ctf_carries_attendance_to_the_next_school(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let from = school(&store, "Leaving Primary", "801/2001").await;
    let contact = rollcall_store::Contact {
        name: "Aoife Zed".into(),
        relationship: "Mother".into(),
        parental_responsibility: true,
        lives_with_pupil: true,
        correspondence: true,
        salutation: Some("Ms Zed".into()),
        priority: 1,
        phones: vec!["07700 900123".into()],
        email: Some("aoife@example.org".into()),
        address: Some("1 High Street, Bedford".into()),
        preferred_language: None,
        court_order: None,
        opted_out: false,
    };
    let upn = rollcall_core::Upn::parse("B801200005001").unwrap();
    let details = ImportDetails {
        contacts: vec![(upn, contact.clone())],
        ..ImportDetails::default()
    };
    store
        .import(
            &from.into(),
            &register(Code::Illness),
            &details,
            &actor("Import", "Data manager"),
            at(18, 0),
            &|_| {},
        )
        .await
        .unwrap();
    let key = store.pupils(from).await.unwrap()[0].key;
    let made = DateTime::constant(2025, 9, 30, 16, 0, 0, 0);
    let to = LaEstab::parse("802/4000").unwrap();
    let sent = export(&store, from, &[key], &calendar(), Some(to), made)
        .await
        .unwrap();
    let years = sent.pupils[0].attendance.clone();
    assert_eq!(years.len(), 1);
    assert_eq!((years[0].possible, years[0].authorised), (18, 1));
    let file = write(&sent);

    let next = school(&store, "Next Academy", "802/4000").await;
    let other = school(&store, "Someone Else", "803/1000").await;
    let misdirected = import(
        &store,
        other,
        &read(&file).unwrap(),
        &placing(),
        &actor("Office", "Data manager"),
        at(18, 0),
        made,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(misdirected, StoreError::Invalid(ref m) if m.contains("802/4000")),
        "{misdirected}"
    );
    let summary = import(
        &store,
        next,
        &read(&file).unwrap(),
        &placing(),
        &actor("Office", "Data manager"),
        at(18, 0),
        made,
    )
    .await
    .unwrap();
    assert_eq!(summary.pupils_added, 1);
    let arrived = &store.pupils(next).await.unwrap()[0];
    assert_eq!(arrived.pupil.reg_group, "4C");
    assert_eq!(arrived.pupil.entry_date, Some(date(2025, 10, 1)));
    assert_eq!(store.attendance_history(arrived.key).await.unwrap(), years);
    let contacts = store.contacts(arrived.key).await.unwrap();
    assert_eq!(contacts[0].contact.phones, contact.phones);
    assert!(
        !contacts[0].contact.lives_with_pupil,
        "a CTF does not say; the office confirms"
    );

    // Sent on again, the years are unchanged.
    let onward = export(&store, next, &[arrived.key], &calendar(), None, made)
        .await
        .unwrap();
    assert_eq!(onward.pupils[0].attendance, years);
    assert_eq!(onward.header.destination, None);
    assert!(write(&onward).contains("<LEA>MMM</LEA>"));

    // Taken in again, what the office confirmed stays.
    let mut confirmed = contacts[0].contact.clone();
    confirmed.lives_with_pupil = true;
    store
        .edit_contact(
            arrived.key,
            contacts[0].id,
            &confirmed,
            &actor("Office", "Data manager"),
            made,
        )
        .await
        .unwrap();
    import(
        &store,
        next,
        &read(&file).unwrap(),
        &placing(),
        &actor("Office", "Data manager"),
        at(18, 0),
        made,
    )
    .await
    .unwrap();
    assert!(
        store.contacts(arrived.key).await.unwrap()[0]
            .contact
            .lives_with_pupil
    );
}
