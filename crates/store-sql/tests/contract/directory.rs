use jiff::civil::date;
use rollcall_core::Role;
use rollcall_store::{Accounts as _, Directory as _};
use rollcall_store::{Characteristic, CharacteristicChange, NewUser, StoreError};
use rollcall_testkit::fixture::{self, SCHOOL_DAY};
use rollcall_testkit::{Backend, database};

pub async fn schools_staff_and_roles(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let schools = store.schools().await.unwrap();
    assert_eq!(schools.len(), 2);
    assert_eq!(schools[0].name, "Fixture Primary");
    assert_eq!(schools[0].urn.unwrap().to_string(), "100001");
    assert!(schools[0].policy.contains("Autumn 2025"));

    let officer = store.user_by_username("officer").await.unwrap().unwrap();
    assert_eq!(officer.position, "Attendance officer");
    assert_eq!(officer.password_hash.as_deref(), Some("hash"));
    assert_eq!(
        store.roles(f.officer).await.unwrap(),
        [(f.school, Role::AttendanceOfficer)]
    );
    let taken = store
        .create_user(&NewUser {
            username: "officer".into(),
            name: "Someone Else".into(),
            position: "Clerk".into(),
            password_hash: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(taken, StoreError::Conflict(_)), "{taken}");
    store
        .set_password(f.officer, "new hash", false)
        .await
        .unwrap();
    assert_eq!(
        store
            .user(f.officer)
            .await
            .unwrap()
            .password_hash
            .as_deref(),
        Some("new hash")
    );

    let mine = store.groups_of_staff(f.teacher, f.school).await.unwrap();
    assert_eq!(
        mine.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(),
        ["5A"]
    );
    assert!(
        store
            .groups_of_staff(f.teacher, f.other_school)
            .await
            .unwrap()
            .is_empty()
    );
    // Groups are unique by name within a school.
    assert_eq!(store.ensure_group(f.school, "5A").await.unwrap(), f.group);
    assert_ne!(
        store.ensure_group(f.other_school, "5A").await.unwrap(),
        f.group
    );
}

pub async fn pupils_history_and_contacts(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let class = store.pupils_of_group(f.group, SCHOOL_DAY).await.unwrap();
    let names: Vec<&str> = class
        .iter()
        .map(|p| p.pupil.legal_surname.as_str())
        .collect();
    assert_eq!(names, ["Able", "Baker", "Cole"]);
    assert_eq!(class[0].pupil.reg_group, "5A");
    assert_eq!(store.pupils(f.school).await.unwrap().len(), 5);
    assert_eq!(store.pupils(f.other_school).await.unwrap().len(), 1);
    let duplicate = store
        .add_pupil(f.school, &store.pupil(f.pupils[0]).await.unwrap().pupil)
        .await
        .unwrap_err();
    assert!(matches!(duplicate, StoreError::Conflict(_)));

    // Characteristics change with dates, and the history is kept.
    let amy = f.pupils[0];
    for (value, from) in [("true", date(2025, 10, 1)), ("false", date(2026, 1, 5))] {
        store
            .change_characteristic(
                amy,
                &CharacteristicChange {
                    characteristic: Characteristic::Fsm,
                    value: value.into(),
                    from: Some(from),
                },
            )
            .await
            .unwrap();
    }
    store
        .change_characteristic(
            amy,
            &CharacteristicChange {
                characteristic: Characteristic::Sen,
                value: "K".into(),
                from: Some(date(2025, 11, 3)),
            },
        )
        .await
        .unwrap();
    let record = store.pupil(amy).await.unwrap();
    assert!(!record.pupil.fsm);
    assert_eq!(record.pupil.sen.code(), "K");
    // Leaving keeps the spell on roll, with its end.
    store.record_leaving(amy, date(2025, 12, 12)).await.unwrap();
    let history = store.pupil_history(amy).await.unwrap();
    assert_eq!(history.characteristics.len(), 3);
    assert_eq!(history.characteristics[0].from, Some(date(2025, 10, 1)));
    assert_eq!(history.enrolments.len(), 1);
    assert_eq!(history.enrolments[0].leaving_date, Some(date(2025, 12, 12)));
    assert!(
        store
            .pupils_of_group(f.group, date(2026, 1, 5))
            .await
            .unwrap()
            .len()
            == 2
    );

    let contacts = store.contacts(f.pupils[1]).await.unwrap();
    assert_eq!(contacts.len(), 2);
    assert_eq!(contacts[0].contact.priority, 1);
    assert_eq!(contacts[0].contact.phones, ["07700 900001"]);
    assert!(contacts[0].contact.parental_responsibility);
    assert_eq!(contacts[1].contact.relationship, "Emergency contact");
}
