use jiff::civil::{DateTime, date};
use rollcall_store::{
    Contact, ContactChange, ContactId, Contacts as _, DetailsDecision, DetailsStatus,
    Directory as _, Families as _, NewDetails, StoreError,
};
use rollcall_testkit::fixture;
use rollcall_testkit::{Backend, database};

use crate::marks::actor;

fn at(day: u8) -> DateTime {
    date(2025, 9, i8::try_from(day).unwrap()).at(10, 0, 0, 0)
}

fn grandad() -> Contact {
    Contact {
        name: "George Able".into(),
        relationship: "Grandfather".into(),
        parental_responsibility: false,
        lives_with_pupil: false,
        correspondence: false,
        salutation: None,
        priority: 3,
        phones: vec!["01632 960 123".into()],
        email: None,
        address: None,
        preferred_language: None,
        court_order: None,
        opted_out: false,
    }
}

pub async fn contacts_keep_every_version(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let office = actor("Lisa Craven", "Attendance officer");
    let amy = f.pupils[0];
    let before = store.contacts(amy).await.unwrap().len();
    let id = store
        .add_contact_by(amy, &grandad(), &office, at(10))
        .await
        .unwrap();
    let moved = Contact {
        phones: vec!["07700 900999".into()],
        ..grandad()
    };
    store
        .edit_contact(amy, id, &moved, &office, at(11))
        .await
        .unwrap();
    let held = store.contacts(amy).await.unwrap();
    assert_eq!(held.len(), before + 1);
    assert_eq!(held.iter().find(|c| c.id == id).unwrap().contact, moved);
    // Only the pupil's own contacts.
    let other = store
        .edit_contact(f.pupils[1], id, &moved, &office, at(11))
        .await
        .unwrap_err();
    assert!(matches!(other, StoreError::NotFound(_)), "{other}");
    store.end_contact(amy, id, &office, at(12)).await.unwrap();
    assert_eq!(store.contacts(amy).await.unwrap().len(), before);
    let ended = store
        .edit_contact(amy, id, &moved, &office, at(13))
        .await
        .unwrap_err();
    assert!(matches!(ended, StoreError::NotFound(_)), "{ended}");
    let history: Vec<(ContactId, ContactChange, Vec<String>, String)> = store
        .contact_history(amy)
        .await
        .unwrap()
        .into_iter()
        .map(|v| (v.id, v.change, v.contact.phones, v.by))
        .collect();
    let by = "Lisa Craven, Attendance officer".to_owned();
    assert_eq!(
        history,
        [
            (
                id,
                ContactChange::Added,
                vec!["01632 960 123".to_owned()],
                by.clone()
            ),
            (
                id,
                ContactChange::Edited,
                vec!["07700 900999".to_owned()],
                by.clone()
            ),
            (
                id,
                ContactChange::Ended,
                vec!["07700 900999".to_owned()],
                by
            ),
        ]
    );
}

pub async fn a_parents_details_change_once_confirmed(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let office = actor("Lisa Craven", "Attendance officer");
    let amy = f.pupils[0];
    let mother = store.contacts(amy).await.unwrap().remove(0);
    let parent = store
        .ensure_parent("amy.parent@example.org", &mother.contact.name)
        .await
        .unwrap();
    store.link_parent(parent, mother.id).await.unwrap();

    let nothing = store
        .ask_details_change(f.school, parent, &NewDetails::default(), at(10))
        .await
        .unwrap_err();
    assert!(matches!(nothing, StoreError::Invalid(_)), "{nothing}");
    // Only at a school where the parent is a contact.
    let elsewhere = store
        .ask_details_change(
            f.other_school,
            parent,
            &NewDetails {
                phone: Some("07700 900456".into()),
                ..NewDetails::default()
            },
            at(10),
        )
        .await
        .unwrap_err();
    assert!(matches!(elsewhere, StoreError::NotFound(_)), "{elsewhere}");

    let asked = NewDetails {
        phone: Some("07700 900456".into()),
        email: None,
        address: Some("9 New Road, Woburn".into()),
    };
    let id = store
        .ask_details_change(f.school, parent, &asked, at(10))
        .await
        .unwrap();
    // Nothing changes until the office confirms.
    assert_eq!(
        store.contacts(amy).await.unwrap()[0].contact,
        mother.contact
    );
    let pending = store.details_requests(f.school).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].status, DetailsStatus::Pending);
    assert_eq!(pending[0].details, asked);
    let decision = DetailsDecision {
        school: f.school,
        id,
        declined: None,
        actor: office.clone(),
        at: at(11),
    };
    store.decide_details(&decision).await.unwrap();
    let now = store.contacts(amy).await.unwrap().remove(0).contact;
    assert_eq!(now.phones[0], "07700 900456");
    assert!(
        now.phones.contains(&mother.contact.phones[0]),
        "the old number is kept after"
    );
    assert_eq!(now.address.as_deref(), Some("9 New Road, Woburn"));
    let twice = store.decide_details(&decision).await.unwrap_err();
    assert!(matches!(twice, StoreError::Conflict(_)), "{twice}");
    let history = store.contact_history(amy).await.unwrap();
    assert_eq!(history.last().unwrap().change, ContactChange::ParentAsked);

    // Declined: the parent is told why, and nothing changes.
    let again = NewDetails {
        email: Some("new@example.org".into()),
        ..NewDetails::default()
    };
    let id = store
        .ask_details_change(f.school, parent, &again, at(12))
        .await
        .unwrap();
    store
        .decide_details(&DetailsDecision {
            id,
            declined: Some("Please call the office to confirm a new email".into()),
            at: at(13),
            ..decision
        })
        .await
        .unwrap();
    assert_eq!(
        store.contacts(amy).await.unwrap()[0].contact.email,
        now.email
    );
    let mine = store.parent_details_requests(parent).await.unwrap();
    assert!(
        matches!(&mine[1].status, DetailsStatus::Declined { reason, .. } if reason.starts_with("Please call")),
        "{mine:?}"
    );
}
