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

pub async fn a_subject_access_export_holds_everything(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    let (school, ben) = (f.school, f.pupils[1]);
    app.teacher_takes_5a(["present", "N", "present"]).await;
    let officer = app.sign_in("officer").await;
    let head = app.sign_in("head").await;
    let amend = app
        .post_form(
            &format!("/s/{school}/pupils/{ben}/marks"),
            Some(&officer),
            "date=2025-09-10&session=am&code=I&reason=parent_report&note=Mother+phoned",
        )
        .await;
    assert!(amend.status.is_redirection(), "{}", amend.text());
    let path = format!("/s/{school}/pupils/{ben}/subject-access.json");
    assert_eq!(
        app.get(&path, Some(&officer)).await.status,
        StatusCode::FORBIDDEN
    );
    let export = app.get(&path, Some(&head)).await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.text());
    let document = export.json();
    assert_eq!(document["pupil"]["legal_forename"], "Ben");
    assert_eq!(document["marks"][0]["code"], "I");
    assert_eq!(document["marks"][0]["version"], 2);
    assert_eq!(document["amendments"][0]["original"], "N");
    assert_eq!(document["amendments"][0]["by_name"], "Lisa Craven");
    assert!(
        document["contacts"][0]["phones"][0].is_string(),
        "{document}"
    );
    // The export is itself an opening of the pupil's records, and says so.
    let log = document["access_log"].as_array().unwrap();
    assert_eq!(log[0]["opened"], "subject_access");
    assert_eq!(log[0]["by"], "June Turner");
    // The printed copy holds the same: the record, the amendment with its reason, and both
    // exports in the access log.
    let printed = app
        .get(
            &format!("/s/{school}/pupils/{ben}/subject-access.pdf"),
            Some(&head),
        )
        .await
        .pdf();
    for held in [
        "Everything held about Ben",
        "Date of birth",
        "Every entry of the register's ledger",
        "Mother phoned",
        "Craven",
        "Who opened these records",
        "subject_access",
        "Nothing is held of: characteristics over time; chronology;",
        "Exported",
    ] {
        assert!(
            printed.text.contains(held),
            "{held} missing: {}",
            printed.text
        );
    }
    let exports = app.get(&path, Some(&head)).await.json()["access_log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["opened"] == "subject_access")
        .count();
    assert_eq!(exports, 3);
}
