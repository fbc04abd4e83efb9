//! The access log: each opening of a pupil's records is logged, and the headteacher reads it per
//! pupil and per member of staff.

use axum::http::StatusCode;
use rollcall_core::Opened;
use rollcall_store::AccessOf;
use rollcall_testkit::Backend;

use crate::support::TestApp;

pub async fn who_opened_a_pupil_s_records_is_logged(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    let (school, ben) = (f.school, f.pupils[1]);
    let teacher = app.sign_in("teacher").await;
    let officer = app.sign_in("officer").await;
    let head = app.sign_in("head").await;
    let page = format!("/s/{school}/pupils/{ben}");
    for cookie in [&teacher, &officer] {
        assert_eq!(app.get(&page, Some(cookie)).await.status, StatusCode::OK);
    }
    let pack = app
        .get(
            &format!("/s/{school}/pupils/{ben}/evidence.pdf"),
            Some(&head),
        )
        .await;
    assert_eq!(pack.status, StatusCode::OK);
    let token = app.token("officer").await;
    let ledger = app
        .api(
            "GET",
            &format!("/api/v1/schools/{school}/pupils/{ben}/ledger"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(ledger.status, StatusCode::OK, "{}", ledger.text());
    // A refused opening is not an opening.
    let stranger = app.sign_in("officer2").await;
    assert_eq!(
        app.get(&page, Some(&stranger)).await.status,
        StatusCode::NOT_FOUND
    );

    let log = app
        .store
        .access_log(AccessOf::Pupil(ben), 100)
        .await
        .unwrap();
    let seen: Vec<_> = log
        .iter()
        .map(|a| (a.user, a.opened, a.detail.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            (f.officer, Opened::Api, Some("ledger")),
            (f.head, Opened::EvidencePack, None),
            // The officer's page shows the case file; the teacher's does not.
            (f.officer, Opened::CaseFile, None),
            (f.teacher, Opened::PupilRecord, None),
        ]
    );

    // The head reads it per pupil, with who opened it...
    let pupil_log = app
        .get(&format!("/s/{school}/access-log?pupil={ben}"), Some(&head))
        .await;
    assert_eq!(pupil_log.status, StatusCode::OK);
    let text = pupil_log.text();
    assert!(text.contains("Who opened Ben"), "{text}");
    assert!(text.contains("Tom Teach, Class teacher, 5A"), "{text}");
    assert!(text.contains("Evidence pack"), "{text}");
    // ...and per member of staff, with whose records.
    let officer_log = app
        .get(
            &format!("/s/{school}/access-log?user={}", f.officer),
            Some(&head),
        )
        .await;
    let text = officer_log.text();
    assert!(
        text.contains("Pupils' records Lisa Craven opened"),
        "{text}"
    );
    assert_eq!(text.matches("Ben Baker").count(), 2, "{text}");
    // The pupil page links to it for the head only.
    let link = format!("/s/{school}/access-log?pupil={ben}");
    assert!(app.get(&page, Some(&head)).await.body.contains(&link));
    assert!(!app.get(&page, Some(&officer)).await.body.contains(&link));
    // One question at a time, and only of this school's people.
    let neither = app
        .get(&format!("/s/{school}/access-log"), Some(&head))
        .await;
    assert_eq!(neither.status, StatusCode::UNPROCESSABLE_ENTITY);
    let elsewhere = app
        .get(
            &format!("/s/{school}/access-log?user={}", f.stranger_officer),
            Some(&head),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    let other_pupil = app
        .get(
            &format!("/s/{school}/access-log?pupil={}", f.stranger),
            Some(&head),
        )
        .await;
    assert_eq!(other_pupil.status, StatusCode::NOT_FOUND);
}
