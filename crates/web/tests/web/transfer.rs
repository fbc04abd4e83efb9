use axum::http::StatusCode;
use jiff::civil::Time;
use rollcall_core::Opened;
use rollcall_store::AccessOf;
use rollcall_testkit::Backend;

use crate::support::{TestApp, at};

/// A CTF as a browser uploads it, with the form's fields.
fn ctf_upload(xml: &str, fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "rollcallctf";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"leaver.xml\"\r\n\
         Content-Type: application/xml\r\n\r\n{xml}\r\n--{boundary}--\r\n"
    ));
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

/// The office downloads a pupil's CTF (logged); the next school's office takes it in: a
/// damaged file is refused naming its line and element and changes nothing; the good one
/// places the pupil, whose page shows their year at the first school.
pub async fn a_ctf_goes_from_one_office_to_the_next(backend: Backend) {
    use axum::body::Body;
    use axum::http::{Request, header};
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    app.clock.set(at(Time::constant(9, 5, 0, 0)));
    assert_eq!(
        app.teacher_takes_5a(["present", "N", "present"])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let officer = app.sign_in("officer").await;
    let amy = f.pupils[0];
    let wrong = app
        .get(
            &format!("/s/{}/admissions/{amy}/ctf?to=80/1", f.school),
            Some(&officer),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reply = app
        .get(
            &format!("/s/{}/admissions/{amy}/ctf?to=801/2002", f.school),
            Some(&officer),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply
            .content_type
            .as_deref()
            .unwrap_or_default()
            .contains("xml")
    );
    let xml = reply.body.clone();
    assert!(
        xml.contains("<SessionsPossible>1</SessionsPossible>"),
        "{xml}"
    );
    let log = app
        .store
        .access_log(AccessOf::Pupil(amy), 10)
        .await
        .unwrap();
    assert!(
        log.iter().any(|a| a.opened == Opened::TransferFile),
        "{log:?}"
    );

    let next = app.sign_in("officer2").await;
    let upload = |xml: String| {
        let (content_type, body) = ctf_upload(
            &xml,
            &[
                ("reg_group", "6A"),
                ("entry_date", "2025-09-15"),
                ("year_group", "5"),
            ],
        );
        app.send(
            Request::post(format!("/s/{}/transfers", f.other_school))
                .header(header::CONTENT_TYPE, content_type)
                .header(header::COOKIE, next.clone())
                .body(Body::from(body))
                .unwrap(),
        )
    };
    let damaged = upload(xml.replace("<Sex>F</Sex>", "<Sex>X</Sex>")).await;
    assert_eq!(damaged.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = damaged.text();
    assert!(text.contains("CTfile/CTFpupilData/Pupil[1]/Sex"), "{text}");
    assert!(text.contains("line "), "{text}");
    let before = app.store.pupils(f.other_school).await.unwrap().len();
    let stranger = app.store.pupil(f.stranger).await.unwrap();
    assert_eq!(
        stranger.pupil.legal_surname, "Stranger",
        "the damaged file changed nothing"
    );
    let taken = upload(xml.clone()).await;
    assert_eq!(taken.status, StatusCode::OK, "{}", taken.text());
    assert!(
        taken
            .text()
            .contains("Taken in from Fixture Primary (801/2001)"),
        "{}",
        taken.text()
    );
    // The other school already held a pupil with Amy's UPN (the fixture's stranger): the same
    // child, updated from the file rather than added twice.
    let pupils = app.store.pupils(f.other_school).await.unwrap();
    assert_eq!(pupils.len(), before);
    let arrived = pupils
        .iter()
        .find(|p| p.pupil.legal_surname == "Able")
        .unwrap();
    assert_eq!(arrived.pupil.reg_group, "6A");
    let page = app
        .get(
            &format!("/s/{}/pupils/{}", f.other_school, arrived.key),
            Some(&next),
        )
        .await;
    assert!(
        page.text().contains("At earlier schools"),
        "{}",
        page.text()
    );
    assert!(page.text().contains("Fixture Primary (801/2001)"));
}
