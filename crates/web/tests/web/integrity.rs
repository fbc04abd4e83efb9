//! The register as a legal record through HTTP: a stale write is refused with what is there
//! now, and a teacher cannot rewrite what the office entered or a register that has closed.

use axum::http::StatusCode;
use jiff::civil::Time;
use rollcall_core::{Code, Session};
use rollcall_testkit::Backend;
use rollcall_testkit::fixture::SCHOOL_DAY;
use serde_json::json;

use crate::support::{TestApp, at};

/// The `seen_` versions a register page carries, as form fields.
fn seen_fields(page: &str) -> String {
    page.split("name=\"seen_")
        .skip(1)
        .filter_map(|rest| {
            let (pupil, rest) = rest.split_once('"')?;
            let value = rest.split("value=\"").nth(1)?.split('"').next()?;
            Some(format!("seen_{pupil}={value}"))
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub async fn a_stale_write_is_refused_with_the_register_as_it_is(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let teacher = app.token("teacher").await;
    let path = format!(
        "/api/v1/schools/{}/registers/{}/{SCHOOL_DAY}/AM",
        f.school, f.group
    );
    let read = app.api("GET", &path, Some(&teacher), None).await;
    let untaken = read.etag.clone().expect("a register has an ETag");
    let marks = |codes: [&str; 3]| {
        json!({"marks": f.pupils.iter().zip(codes).map(|(p, c)| json!({"pupil": p.0, "mark": c})).collect::<Vec<_>>(),
               "reason": "marked_in_error"})
    };
    let first = app
        .api_if_match(
            "PUT",
            &path,
            Some(&teacher),
            Some(marks(["present", "N", "N"])),
            Some(&untaken),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    // A second writer who read the register before the first saved it is refused, and told
    // what it holds now.
    let officer = app.token("officer").await;
    let second = app
        .api_if_match(
            "PUT",
            &path,
            Some(&officer),
            Some(marks(["present", "I", "N"])),
            Some(&untaken),
        )
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.body);
    let body = second.json();
    assert_eq!(body["current"]["pupils"][1]["mark"]["code"], "N");
    assert_eq!(body["current"]["taken"]["by"], "Tom Teach");
    let now = second.etag.clone().unwrap();
    assert_ne!(now, untaken);
    // With the register as it is now, the change goes in as an amendment.
    let third = app
        .api_if_match(
            "PUT",
            &path,
            Some(&officer),
            Some(marks(["present", "I", "N"])),
            Some(&now),
        )
        .await;
    assert_eq!(third.status, StatusCode::OK, "{}", third.body);
    assert_eq!(third.json()["amended"], 1);
    // A version on a mark works the same way.
    let mut versioned = marks(["present", "M", "N"]);
    versioned["marks"][1]["version"] = json!(1);
    let stale = app.api("PUT", &path, Some(&officer), Some(versioned)).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);

    // A single mark: its version is in the marks it is read with.
    let marks_path = format!("/api/v1/schools/{}/pupils/{}/marks", f.school, f.pupils[1]);
    let change = |version: u64| {
        json!({"date": SCHOOL_DAY.to_string(), "session": "AM", "code": "M",
               "reason": "parent_report", "note": "Dentist's card", "version": version})
    };
    let stale = app
        .api("POST", &marks_path, Some(&officer), Some(change(1)))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert_eq!(stale.json()["current"][0]["code"], "I");
    assert_eq!(stale.json()["current"][0]["version"], 2);
    let saved = app
        .api("POST", &marks_path, Some(&officer), Some(change(2)))
        .await;
    assert_eq!(saved.status, StatusCode::NO_CONTENT, "{}", saved.body);
    let check = app.store.verify_ledger(f.school).await.unwrap();
    assert!(check.intact(), "{check:?}");
    assert_eq!((check.entries, check.marks), (5, 3));
}

pub async fn the_register_page_opened_twice(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let path = app.register_path(f.group.0);
    // The officer opens the register; the teacher then takes it.
    let officer = app.sign_in("officer").await;
    let opened = app.get(&path, Some(&officer)).await;
    let seen = seen_fields(&opened.body);
    assert!(seen.contains("=0"), "{seen}");
    let taken = app.teacher_takes_5a(["present", "N", "present"]).await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER);
    // The officer's register, from the page as they opened it, is given back with what differs.
    app.clock.set(at(Time::constant(9, 2, 0, 0)));
    let form = format!("{}&{seen}", app.register_form(["present", "I", "present"]));
    let reply = app.post_form(&path, Some(&officer), &form).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text());
    let text = reply.text();
    assert!(
        text.contains("Saved by Tom Teach at 08:50 while you had the register open — 1 mark differs from yours: Ben Baker: saved as N (Absent; the reason is not yet established) by Tom Teach; yours I"),
        "{text}"
    );
    // Their marks are kept on the page, over the versions as they are now.
    assert!(
        reply.body.contains("value=\"I\" selected>"),
        "the officer's choice is kept"
    );
    let seen_now = seen_fields(&reply.body);
    assert!(!seen_now.contains("=0"), "{seen_now}");
    // Applying them over it, with a reason, is an amendment.
    let again = format!(
        "{}&{seen_now}&reason=reason_established&note=Mother+phoned",
        app.register_form(["present", "I", "present"])
    );
    let reply = app.post_form(&path, Some(&officer), &again).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let ledger = app.store.ledger(f.pupils[1]).await.unwrap();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].new.code, Code::Illness);
    assert_eq!(
        ledger[0].reason,
        "Reason for absence established: Mother phoned"
    );
}

pub async fn a_teacher_cannot_rewrite_the_record(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let taken = app.teacher_takes_5a(["present", "N", "present"]).await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER);
    // The office records Ben's reason.
    let officer = app.sign_in("officer").await;
    let reply = app
        .post_form(
            &format!("/s/{}/pupils/{}/marks", f.school, f.pupils[1]),
            Some(&officer),
            &format!("date={SCHOOL_DAY}&session=am&code=C&reason=parent_report&note=Funeral"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let token = app.token("teacher").await;
    let path = format!(
        "/api/v1/schools/{}/registers/{}/{SCHOOL_DAY}/AM",
        f.school, f.group
    );
    let body = |codes: [&str; 3]| {
        json!({"marks": f.pupils.iter().zip(codes).map(|(p, c)| json!({"pupil": p.0, "mark": c})).collect::<Vec<_>>(),
               "reason": "marked_in_error"})
    };
    // While the register is open, the teacher corrects their own mark, but not the office's.
    app.clock.set(at(Time::constant(9, 0, 0, 0)));
    let own = app
        .api(
            "PUT",
            &path,
            Some(&token),
            Some(body(["N", "C", "present"])),
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    let theirs = app
        .api(
            "PUT",
            &path,
            Some(&token),
            Some(body(["N", "present", "present"])),
        )
        .await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN, "{}", theirs.body);
    assert!(
        theirs.json()["error"]
            .as_str()
            .unwrap()
            .contains("Ben Baker: the mark was entered by the office"),
        "{}",
        theirs.body
    );
    // After it closes (09:15), not their own either: the page says so too.
    app.clock.set(at(Time::constant(9, 20, 0, 0)));
    let late = app
        .api(
            "PUT",
            &path,
            Some(&token),
            Some(body(["present", "C", "present"])),
        )
        .await;
    assert_eq!(late.status, StatusCode::FORBIDDEN, "{}", late.body);
    assert!(
        late.json()["error"]
            .as_str()
            .unwrap()
            .contains("Amy Able: the register closed")
    );
    let teacher = app.sign_in("teacher").await;
    let form = format!(
        "{}&reason=marked_in_error",
        app.register_form(["present", "C", "present"])
    );
    let page = app
        .post_form(&app.register_path(f.group.0), Some(&teacher), &form)
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.text().contains("Amy Able: the register closed"),
        "{}",
        page.text()
    );
    // Nothing the refusals touched changed.
    let sheet = app.sheet_5a(Session::Am).await;
    let codes: Vec<Code> = sheet
        .rows
        .iter()
        .map(|r| r.mark.as_ref().unwrap().code)
        .collect();
    assert_eq!(
        codes,
        [
            Code::ReasonNotEstablished,
            Code::parse("C").unwrap(),
            Code::PresentAm
        ]
    );
}

pub async fn a_register_sent_again_is_taken_once(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let teacher = app.sign_in("teacher").await;
    let path = app.register_path(f.group.0);
    // A tablet that never heard the answer sends the same register, with the same key, eight
    // times, all at once: each is answered as saved, and it is taken once.
    let key = "0f4c2a9e-6d1b-4e8a-9c3f-2b7d5e1a8c40";
    let form = format!(
        "{}&idempotency_key={key}",
        app.register_form(["present", "N", "late"])
    );
    let sends = (0..8).map(|_| app.post_form(&path, Some(&teacher), &form));
    for reply in futures_util::future::join_all(sends).await {
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        assert_eq!(reply.location.as_deref(), Some(&*format!("{path}?saved=1")));
    }
    let submissions = app.store.submissions(f.school, SCHOOL_DAY).await.unwrap();
    assert_eq!(submissions.len(), 1);
    let sheet = app.sheet_5a(Session::Am).await;
    assert!(
        sheet
            .rows
            .iter()
            .all(|r| r.mark.as_ref().unwrap().version == 1),
        "every mark written once"
    );
    // Sent again later, after the office has changed a mark, it still changes nothing.
    let officer = app.sign_in("officer").await;
    let amend = format!("/s/{}/pupils/{}/marks", f.school, f.pupils[1]);
    let changed = app
        .post_form(
            &amend,
            Some(&officer),
            &format!(
                "date={SCHOOL_DAY}&session=am&code=I&reason=reason_established&note=Mother+rang"
            ),
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.text());
    let again = app.post_form(&path, Some(&teacher), &form).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.text());
    let sheet = app.sheet_5a(Session::Am).await;
    assert_eq!(sheet.rows[1].mark.as_ref().unwrap().code, Code::Illness);
    // The same key with another register is refused, naming why.
    let pm = format!("/s/{}/registers/{}/{SCHOOL_DAY}/pm", f.school, f.group);
    app.clock.set(at(Time::constant(13, 20, 0, 0)));
    let teacher = app.sign_in("teacher").await;
    let other = app.post_form(&pm, Some(&teacher), &form).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        other.text().contains("sent before with another register"),
        "{}",
        other.text()
    );
}
