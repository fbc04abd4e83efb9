use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jiff::civil::Time;
use rollcall_core::Code;
use rollcall_store::{Channel, Contact, DeliveryStatus};
use rollcall_testkit::Backend;

use crate::support::{MailServer, SmsProvider, TestApp, at, with_transports};

/// A leave request as a browser sends it, with a document.
fn leave_form(first: &str, last: &str, reason: &str) -> (String, Vec<u8>) {
    let boundary = "rollcallboundary";
    let mut body = String::new();
    for (name, value) in [
        ("first", first),
        ("last", last),
        ("kind", "exceptional"),
        ("reason", reason),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"letter.txt\"\r\n\
         Content-Type: text/plain\r\n\r\nThe funeral is on the 3rd.\r\n--{boundary}--\r\n"
    ));
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

async fn ask_leave(
    app: &TestApp,
    cookie: &str,
    pupil: i64,
    first: &str,
    last: &str,
) -> crate::support::Reply {
    let (content_type, body) = leave_form(first, last, "A family funeral");
    app.send(
        Request::post(format!("/parent/children/{pupil}/leave"))
            .header(header::CONTENT_TYPE, content_type)
            .header(header::COOKIE, cookie)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// A parent sees their own child and nothing else, by any URL: not another family's child,
/// not a staff page, not the API; and a contact without parental responsibility, or under a
/// court order, sees nothing.
pub async fn parents_see_only_their_own_children(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    let (amy, ben, stranger) = (f.pupils[0], f.pupils[1], f.stranger);
    let parent = app.parent_signs_in(amy).await;

    let home = app.get("/parent", Some(&parent)).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text().contains("Amy Able"), "{}", home.text());
    assert!(!home.text().contains("Ben"), "{}", home.text());
    assert_eq!(
        app.get(&format!("/parent/children/{amy}"), Some(&parent))
            .await
            .status,
        StatusCode::OK
    );
    for other in [ben, stranger, rollcall_store::PupilKey(99_999)] {
        let page = app
            .get(&format!("/parent/children/{other}"), Some(&parent))
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{other}");
        let report = app
            .post_form(
                &format!("/parent/children/{other}/absence"),
                Some(&parent),
                "first=2025-09-10&first_session=am&last=2025-09-10&last_session=pm&reason=illness",
            )
            .await;
        assert_eq!(report.status, StatusCode::NOT_FOUND, "{other}");
        let answer = app
            .post_form(
                &format!("/parent/children/{other}/absence/1/answer"),
                Some(&parent),
                "answer=x",
            )
            .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
        assert_eq!(
            ask_leave(&app, &parent, other.0, "2025-10-06", "2025-10-07")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
    assert!(
        app.store
            .absence_reports(f.school)
            .await
            .unwrap()
            .is_empty()
    );
    // A parent's session opens no staff page and no API.
    for path in [
        format!("/s/{}/office", f.school),
        format!("/s/{}/pupils/{amy}", f.school),
        format!("/s/{}/requests", f.school),
        format!("/s/{}/pupils/{amy}/leave/1/document", f.school),
    ] {
        let reply = app.get(&path, Some(&parent)).await;
        assert_eq!(reply.location.as_deref(), Some("/login"), "{path}");
    }
    let api = app
        .get(
            &format!("/api/v1/schools/{}/pupils/{amy}", f.school),
            Some(&parent),
        )
        .await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    // Without a session, the portal sends a parent to sign in.
    assert_eq!(
        app.get("/parent", None).await.location.as_deref(),
        Some("/parent/login")
    );

    // A neighbour (no parental responsibility) linked to an account sees nothing.
    let neighbour = app.store.contacts(ben).await.unwrap()[0].clone();
    let mut no_pr = neighbour.contact.clone();
    no_pr.parental_responsibility = false;
    no_pr.email = Some("neighbour@example.org".into());
    let no_pr = app.store.add_contact(ben, &no_pr).await.unwrap();
    let account = app
        .store
        .ensure_parent("neighbour@example.org", "A Neighbour")
        .await
        .unwrap();
    app.store.link_parent(account, no_pr).await.unwrap();
    app.store
        .set_parent_password(account, &crate::support::password_hash().await)
        .await
        .unwrap();
    let cookie = app.parent_cookie("neighbour@example.org").await;
    assert!(
        app.get("/parent", Some(&cookie))
            .await
            .text()
            .contains("nothing to show")
    );
    assert_eq!(
        app.get(&format!("/parent/children/{ben}"), Some(&cookie))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // A parent under a court order sees nothing either, and the office cannot invite them.
    let restricted = Contact {
        court_order: Some("Prohibited steps order, 2024".into()),
        email: Some("restricted@example.org".into()),
        ..neighbour.contact.clone()
    };
    let restricted = app.store.add_contact(ben, &restricted).await.unwrap();
    let account = app
        .store
        .ensure_parent("restricted@example.org", "Restricted")
        .await
        .unwrap();
    app.store.link_parent(account, restricted).await.unwrap();
    app.store
        .set_parent_password(account, &crate::support::password_hash().await)
        .await
        .unwrap();
    let cookie = app.parent_cookie("restricted@example.org").await;
    assert_eq!(
        app.get(&format!("/parent/children/{ben}"), Some(&cookie))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let officer = app.sign_in("officer").await;
    let invite = app
        .post_form(
            &format!("/s/{}/pupils/{ben}/contacts/{restricted}/invite", f.school),
            Some(&officer),
            "",
        )
        .await;
    assert_eq!(invite.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(invite.text().contains("court order"), "{}", invite.text());
    // The teacher cannot decide anything for parents.
    let teacher = app.sign_in("teacher").await;
    assert_eq!(
        app.get(&format!("/s/{}/requests", f.school), Some(&teacher))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// A report before the deadline stops the first-day call; the office accepts it, the code
/// goes on the register in the ledger, and the parent gets the email and sees the outcome.
pub async fn an_absence_report_is_accepted(backend: Backend) {
    let mut app = TestApp::new(backend).await;
    let mail = MailServer::start().await;
    let sms = SmsProvider::start(1).await;
    app.use_state(with_transports(&app.state, &mail, &sms));
    let f = app.fixture.clone();
    let (amy, ben) = (f.pupils[0], f.pupils[1]);
    app.clock.set(at(Time::constant(8, 30, 0, 0)));
    let parent = app.parent_signs_in(amy).await;
    let sent = app
        .post_form(
            &format!("/parent/children/{amy}/absence"),
            Some(&parent),
            "first=2025-09-10&first_session=am&last=2025-09-10&last_session=pm&reason=illness&details=A+temperature&expected_return=2025-09-11",
        )
        .await;
    assert_eq!(
        sent.location.as_deref(),
        Some(&*format!("/parent/children/{amy}?sent=absence"))
    );
    let past = app
        .post_form(
            &format!("/parent/children/{amy}/absence"),
            Some(&parent),
            "first=2025-09-09&first_session=am&last=2025-09-10&last_session=pm&reason=illness",
        )
        .await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(past.text().contains("has passed"), "{}", past.text());
    // A refused report is the page again: a summary linking to each field, the message
    // beside the field, and everything typed kept.
    let unfinished = app
        .post_form(
            &format!("/parent/children/{amy}/absence"),
            Some(&parent),
            "first=&first_session=pm&last=2025-09-31&last_session=pm&reason=medical&details=Dentist+at+2&expected_return=",
        )
        .await;
    assert_eq!(unfinished.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = &unfinished.body;
    assert!(body.contains("There is a problem"), "{body}");
    assert!(
        body.contains("<a href=\"#report-first\">Enter the first day.</a>"),
        "{body}"
    );
    assert!(
        body.contains("id=\"report-last-error\"><span class=\"visually-hidden\">Error:</span> The last day must be a real date, written like 2026-11-19 (not &#34;2025-09-31&#34;)."),
        "{body}"
    );
    assert!(
        body.contains("name=\"last\" value=\"2025-09-31\""),
        "{body}"
    );
    assert!(
        body.contains(
            "<option value=\"pm\" selected>Afternoon</option><option value=\"am\">Morning</option>"
        ),
        "{body}"
    );
    assert!(
        body.contains("<option value=\"medical\" selected>"),
        "{body}"
    );
    assert!(body.contains(">Dentist at 2</textarea>"), "{body}");
    assert!(
        body.contains("aria-invalid=\"true\" aria-describedby=\"report-first-error\""),
        "{body}"
    );

    // Amy and Ben are both absent at the register; only Ben's parents are texted and called.
    app.clock.set(at(Time::constant(8, 50, 0, 0)));
    app.teacher_takes_5a(["N", "N", "present"]).await;
    app.clock.set(at(Time::constant(9, 20, 0, 0)));
    rollcall_web::run_due(&app.state, "test").await.unwrap();
    let outbox = app.store.outbox(f.school).await.unwrap();
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    assert_eq!(outbox[0].message.pupil, Some(ben));
    assert_eq!(outbox[0].message.recipient, "+447700900001");
    let officer = app.sign_in("officer").await;
    let today = app
        .get(&format!("/s/{}/office", f.school), Some(&officer))
        .await
        .text();
    assert!(today.contains("Ben Baker"), "{today}");
    assert!(!today.contains("Amy Able Call"), "{today}");

    // The text goes on the second try: the provider was busy the first time.
    rollcall_web::deliver_due(&app.state).await.unwrap();
    assert!(sms.received.lock().unwrap().is_empty());
    app.clock.set(at(Time::constant(9, 22, 0, 0)));
    rollcall_web::deliver_due(&app.state).await.unwrap();
    let texts = sms.received.lock().unwrap().clone();
    assert_eq!(texts.len(), 1);
    assert_eq!(texts[0]["to"], "+447700900001");
    assert!(texts[0]["body"].as_str().unwrap().contains("01632 960 001"));

    // The office accepts Amy's report: I for both sessions, in the ledger.
    let requests = app
        .get(&format!("/s/{}/requests", f.school), Some(&officer))
        .await;
    assert!(
        requests.text().contains("Illness: A temperature"),
        "{}",
        requests.text()
    );
    let id = app.store.absence_reports(f.school).await.unwrap()[0].id;
    let accepted = app
        .post_form(
            &format!("/s/{}/requests/absence/{id}", f.school),
            Some(&officer),
            "action=accept&code=I&response=Get+well+soon",
        )
        .await;
    assert_eq!(
        accepted.status,
        StatusCode::SEE_OTHER,
        "{}",
        accepted.text()
    );
    let again = app
        .post_form(
            &format!("/s/{}/requests/absence/{id}", f.school),
            Some(&officer),
            "action=accept&code=I",
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let marks = app
        .store
        .marks(
            amy,
            rollcall_testkit::fixture::SCHOOL_DAY,
            rollcall_testkit::fixture::SCHOOL_DAY,
        )
        .await
        .unwrap();
    assert_eq!(
        marks.iter().map(|m| m.code).collect::<Vec<_>>(),
        [Code::Illness, Code::Illness]
    );
    let ledger = app.store.ledger(amy).await.unwrap();
    assert!(
        ledger[0].reason.contains("Reported by Parent of Amy"),
        "{}",
        ledger[0].reason
    );
    assert_eq!(ledger[0].by_name, "Lisa Craven");

    // The email goes by SMTP; the parent sees it and the outcome; so does the office.
    rollcall_web::deliver_due(&app.state).await.unwrap();
    let mails = mail.received();
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].contains("X-RcptTo: parent.of.amy@example.org"),
        "{}",
        mails[0]
    );
    assert!(mails[0].contains("Get well soon"), "{}", mails[0]);
    let page = app
        .get(&format!("/parent/children/{amy}"), Some(&parent))
        .await
        .text();
    assert!(page.contains("Accepted"), "{page}");
    assert!(page.contains("absence: thank you"), "{page}");
    let pupil = app
        .get(&format!("/s/{}/pupils/{amy}", f.school), Some(&officer))
        .await
        .text();
    assert!(pupil.contains("Absence reported"), "{pupil}");
    assert!(pupil.contains("absence: thank you Sent"), "{pupil}");
    let messages = app.store.pupil_messages(amy).await.unwrap();
    assert_eq!(
        (messages[0].message.channel, messages[0].status),
        (Channel::Email, DeliveryStatus::Sent)
    );
}

/// Leave: notice and who may ask; the officer cannot decide, the head can, some days only;
/// the granted days are coded C and refused days taken come back as a penalty-notice item.
pub async fn leave_is_asked_for_and_decided(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    let amy = f.pupils[0];
    let parent = app.parent_signs_in(amy).await;
    let late = ask_leave(&app, &parent, amy.0, "2025-09-15", "2025-09-16").await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        late.text().contains("notice: ask by Mon 1 Sep 2025"),
        "{}",
        late.text()
    );
    // The message is by the first day, and the reason typed is kept.
    assert!(
        late.body.contains("id=\"leave-first-error\""),
        "{}",
        late.body
    );
    assert!(
        late.body.contains(">A family funeral</textarea>"),
        "{}",
        late.body
    );
    assert!(
        late.body.contains("name=\"first\" value=\"2025-09-15\""),
        "{}",
        late.body
    );
    // Four hundred days of leave in one request runs into another school year: refused.
    let long = ask_leave(&app, &parent, amy.0, "2025-10-06", "2026-11-10").await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        long.text().contains("within one school year"),
        "{}",
        long.text()
    );
    let asked = ask_leave(&app, &parent, amy.0, "2025-10-06", "2025-10-08").await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.text());
    let id = app.store.leave_requests(f.school).await.unwrap()[0].id;

    let officer = app.sign_in("officer").await;
    let refused = app
        .post_form(
            &format!("/s/{}/requests/leave/{id}", f.school),
            Some(&officer),
            "action=refuse&response=No",
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let document = app
        .get(
            &format!("/s/{}/pupils/{amy}/leave/{id}/document", f.school),
            Some(&officer),
        )
        .await;
    assert_eq!(document.body, "The funeral is on the 3rd.");

    let head = app.sign_in("head").await;
    // A grant without its first day is the page again, the reasons typed kept.
    let unfinished = app
        .post_form(
            &format!("/s/{}/requests/leave/{id}", f.school),
            Some(&head),
            "action=grant&first=&last=2025-10-07&code=&response=Granted+for+the+funeral+only",
        )
        .await;
    assert_eq!(unfinished.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unfinished.body.contains(&format!(
            "<a href=\"#leave-{id}-first\">Enter the first day.</a>"
        )),
        "{}",
        unfinished.body
    );
    assert!(
        unfinished
            .body
            .contains(">Granted for the funeral only</textarea>"),
        "{}",
        unfinished.body
    );
    let granted = app
        .post_form(
            &format!("/s/{}/requests/leave/{id}", f.school),
            Some(&head),
            "action=grant&first=2025-10-06&last=2025-10-07&code=&response=Granted+for+the+funeral+only",
        )
        .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.text());
    let october = app
        .store
        .marks(
            amy,
            jiff::civil::date(2025, 10, 6),
            jiff::civil::date(2025, 10, 8),
        )
        .await
        .unwrap();
    assert_eq!(october.len(), 4);
    assert!(october.iter().all(|m| m.code == Code::ExceptionalLeave));
    let page = app
        .get(&format!("/parent/children/{amy}"), Some(&parent))
        .await
        .text();
    assert!(page.contains("Granted for some days"), "{page}");
    assert!(page.contains("Granted for the funeral only"), "{page}");

    // Amy stays away on the 8th, the refused day: the head is asked to consider a notice.
    app.clock.set(
        jiff::civil::date(2025, 10, 8)
            .at(9, 0, 0, 0)
            .in_tz("Europe/London")
            .unwrap()
            .timestamp(),
    );
    app.clock.set(
        jiff::civil::date(2025, 10, 8)
            .at(16, 0, 0, 0)
            .in_tz("Europe/London")
            .unwrap()
            .timestamp(),
    );
    let officer = app.sign_in("officer").await;
    let marked = app
        .post_form(
            &format!("/s/{}/pupils/{amy}/marks", f.school),
            Some(&officer),
            "date=2025-10-08&session=both&code=N&reason=other&note=Not+in+school",
        )
        .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER, "{}", marked.text());
    let head = app.sign_in("head").await;
    let today = app
        .get(&format!("/s/{}/office", f.school), Some(&head))
        .await
        .text();
    assert!(
        today
            .contains("Leave refused and taken: code the sessions G and consider a penalty notice"),
        "{today}"
    );
}

/// The office invites a parent: the email comes by SMTP with a one-time link, the parent
/// chooses a password and is signed in; the link does not work twice.
pub async fn a_parent_is_invited(backend: Backend) {
    let mut app = TestApp::new(backend).await;
    let mail = MailServer::start().await;
    let sms = SmsProvider::start(0).await;
    app.use_state(with_transports(&app.state, &mail, &sms));
    let f = app.fixture.clone();
    let amy = f.pupils[0];
    let contact = app.store.contacts(amy).await.unwrap()[0].id;
    let officer = app.sign_in("officer").await;
    let invited = app
        .post_form(
            &format!("/s/{}/pupils/{amy}/contacts/{contact}/invite", f.school),
            Some(&officer),
            "",
        )
        .await;
    assert_eq!(invited.status, StatusCode::SEE_OTHER, "{}", invited.text());
    let mails = mail.received();
    assert_eq!(mails.len(), 1);
    // Long lines come quoted-printable, with soft line breaks.
    let mail_text = mails[0].replace("=\r\n", "").replace("=\n", "");
    let link = mail_text
        .split_whitespace()
        .find(|w| w.contains("/parent/welcome/"))
        .unwrap();
    let path = &link[link.find("/parent/").unwrap()..];
    // The link is never kept where staff could read it.
    assert!(app.store.pupil_messages(amy).await.unwrap().is_empty());
    let short = app
        .post_form(path, None, "password=short&confirm=short")
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let welcomed = app
        .post_form(
            path,
            None,
            "password=a+long+enough+password&confirm=a+long+enough+password",
        )
        .await;
    assert_eq!(welcomed.location.as_deref(), Some("/parent"));
    let cookie = welcomed.cookie.unwrap();
    assert!(
        app.get("/parent", Some(&cookie))
            .await
            .text()
            .contains("Amy Able")
    );
    let again = app
        .post_form(
            path,
            None,
            "password=a+long+enough+password&confirm=a+long+enough+password",
        )
        .await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    let signed_in = app
        .post_form(
            "/parent/login",
            None,
            "email=parent.of.amy@example.org&password=a+long+enough+password",
        )
        .await;
    assert_eq!(signed_in.location.as_deref(), Some("/parent"));
}
