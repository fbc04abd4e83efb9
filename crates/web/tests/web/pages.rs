use axum::http::StatusCode;
use jiff::civil::Time;
use rollcall_core::{Code, Session};
use rollcall_store::{MarkSource, PlannedMark};
use rollcall_testkit::Backend;
use rollcall_testkit::fixture::SCHOOL_DAY;

use crate::support::{TestApp, at};

pub async fn teacher_takes_a_register(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let cookie = app.sign_in("teacher").await;
    let path = app.register_path(f.group.0);
    let page = app.get(&path, Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(text.contains("5A — Morning register"), "{text}");
    assert!(text.contains("Amy Able") && text.contains("Ben Baker") && text.contains("Cara Cole"));
    assert!(
        text.contains("Late after 08:45; the register closes at 09:15"),
        "{text}"
    );
    // A register with a pupil unmarked is given back with the marks kept.
    let partial = format!("mark_{}=present&mark_{}=N", f.pupils[0], f.pupils[1]);
    let reply = app.post_form(&path, Some(&cookie), &partial).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.text().contains("still to mark: Cara Cole"),
        "{}",
        reply.text()
    );
    assert!(reply.body.contains(&format!(
        "name=\"mark_{}\" value=\"N\" checked",
        f.pupils[1]
    )));
    // The full register goes in.
    let reply = app
        .post_form(
            &path,
            Some(&cookie),
            &app.register_form(["present", "N", "I"]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let sheet = app.sheet_5a(Session::Am).await;
    let codes: Vec<Code> = sheet
        .rows
        .iter()
        .map(|r| r.mark.as_ref().unwrap().code)
        .collect();
    assert_eq!(
        codes,
        [Code::PresentAm, Code::ReasonNotEstablished, Code::Illness]
    );
    assert_eq!(sheet.taken.unwrap().by, "Tom Teach");
    let list = app
        .get(&format!("/s/{}/registers", f.school), Some(&cookie))
        .await;
    assert!(
        list.text()
            .contains("5A Morning Taken at 08:50 by Tom Teach"),
        "{}",
        list.text()
    );
}

pub async fn retaking_is_an_amendment_with_a_reason(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    // Leave entered in advance shows on the register.
    let plans = [PlannedMark {
        pupil: f.pupils[2],
        key: rollcall_core::SessionKey {
            date: SCHOOL_DAY,
            session: Session::Am,
        },
        code: Code::Medical,
        comment: Some("Hospital appointment".into()),
    }];
    let head = app.store.user(f.head).await.unwrap().actor();
    app.store
        .plan_marks(&plans, &head, at(Time::constant(7, 0, 0, 0)))
        .await
        .unwrap();
    let cookie = app.sign_in("teacher").await;
    let path = app.register_path(f.group.0);
    let page = app.get(&path, Some(&cookie)).await;
    assert!(
        page.text()
            .contains("M: Leave for a medical or dental appointment (Hospital appointment)"),
        "{}",
        page.text()
    );
    // The planned mark is no change: a first take asks for no reason.
    assert!(page.text().contains("Submit register"), "{}", page.text());
    assert!(!page.text().contains("Reason for the changes"));
    let saved = app
        .post_form(
            &path,
            Some(&cookie),
            &app.register_form(["present", "N", "M"]),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    // The teacher is shown the register as saved, with its count.
    let shown = saved.location.clone().unwrap();
    assert_eq!(shown, format!("{path}?saved=1"));
    let page = app.get(&shown, Some(&cookie)).await;
    assert!(
        page.text()
            .contains("Saved at 08:50 — 1 present, 2 absent, 0 late"),
        "{}",
        page.text()
    );
    // Now it has been taken, the page says a change needs a reason.
    let page = app.get(&path, Some(&cookie)).await;
    assert!(
        page.text()
            .contains("Taken at 08:50 by Tom Teach. A change to a mark now is an amendment"),
        "{}",
        page.text()
    );
    let changed = app.register_form(["present", "late", "M"]);
    let refused = app.post_form(&path, Some(&cookie), &changed).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text().contains("give the reason"),
        "{}",
        refused.text()
    );
    app.clock.set(at(Time::constant(9, 3, 0, 0)));
    let saved = app
        .post_form(
            &path,
            Some(&cookie),
            &format!("{changed}&reason=arrived_late&note=Ben+arrived+at+9.03"),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let ledger = app.store.ledger(f.pupils[1]).await.unwrap();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].original.unwrap().code, Code::ReasonNotEstablished);
    assert_eq!(ledger[0].new.code, Code::Late);
    assert_eq!(ledger[0].new.minutes_late, Some(18));
    assert_eq!(
        ledger[0].reason,
        "Arrived late or left early: Ben arrived at 9.03"
    );
    assert_eq!(
        (ledger[0].by_name.as_str(), ledger[0].by_position.as_str()),
        ("Tom Teach", "Class teacher, 5A")
    );
    assert!(
        app.store.ledger(f.pupils[2]).await.unwrap().is_empty(),
        "the planned mark was confirmed"
    );
}

pub async fn lateness_comes_from_the_clock(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let cookie = app.sign_in("teacher").await;
    let path = app.register_path(f.group.0);
    // Amy tapped late at 09:10 (L, 25 minutes); Ben with no time given, at submission, 09:40 (U).
    app.clock.set(at(Time::constant(9, 40, 0, 0)));
    let form = format!(
        "mark_{}=late&late_at_{}=09:10&mark_{}=late&mark_{}=present",
        f.pupils[0], f.pupils[0], f.pupils[1], f.pupils[2]
    );
    let reply = app.post_form(&path, Some(&cookie), &form).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let sheet = app.sheet_5a(Session::Am).await;
    let marks: Vec<(Code, Option<u16>)> = sheet
        .rows
        .iter()
        .map(|r| r.mark.as_ref().map(|m| (m.code, m.minutes_late)).unwrap())
        .collect();
    assert_eq!(
        marks,
        [
            (Code::Late, Some(25)),
            (Code::ArrivedAfterClose, Some(55)),
            (Code::PresentAm, None)
        ]
    );
    let pm = format!("/s/{}/registers/{}/{SCHOOL_DAY}/pm", f.school, f.group);
    // Late for the afternoon at 15.30, after it ended: refused, naming the pupil in full.
    app.clock.set(at(Time::constant(15, 30, 0, 0)));
    let cookie = app.sign_in("teacher").await;
    let refused = app
        .post_form(
            &pm,
            Some(&cookie),
            &app.register_form(["late", "present", "present"]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .contains("Amy Able: an arrival at 15:30 is after the PM session ended"),
        "{}",
        refused.text()
    );
    // The afternoon register marks present as \; the morning's sign-in has gone idle since.
    app.clock.set(at(Time::constant(13, 20, 0, 0)));
    let cookie = app.sign_in("teacher").await;
    app.post_form(
        &pm,
        Some(&cookie),
        &app.register_form(["present", "present", "present"]),
    )
    .await;
    let sheet = app.sheet_5a(Session::Pm).await;
    assert!(
        sheet
            .rows
            .iter()
            .all(|r| r.mark.as_ref().unwrap().code == Code::PresentPm)
    );
    // No register for a day the school is closed, or for tomorrow.
    let closed = format!("/s/{}/registers/{}/2025-09-13/am", f.school, f.group);
    assert_eq!(
        app.get(&closed, Some(&cookie)).await.status,
        StatusCode::NOT_FOUND
    );
    let tomorrow = format!("/s/{}/registers/{}/2025-09-11/am", f.school, f.group);
    let reply = app
        .post_form(
            &tomorrow,
            Some(&cookie),
            &app.register_form(["present", "present", "present"]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.text().contains("cannot be taken before the day"),
        "{}",
        reply.text()
    );
}

pub async fn office_sees_missing_registers_and_absences(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    app.teacher_takes_5a(["present", "N", "N"]).await;
    let officer = app.sign_in("officer").await;
    let office = format!("/s/{}/office", f.school);
    // At 08:50 no register has closed: nothing is missing yet.
    let page = app.get(&office, Some(&officer)).await;
    assert!(
        page.text().contains("Missing registers (0)"),
        "{}",
        page.text()
    );
    // After 09:15, 5B's morning register is missing; the list refreshes itself.
    app.clock.set(at(Time::constant(9, 20, 0, 0)));
    let page = app.get(&office, Some(&officer)).await;
    let text = page.text();
    assert!(
        text.contains("Missing registers (1) 5B — Morning 2 pupils; closed at 09:15"),
        "{text}"
    );
    assert!(page.body.contains("hx-trigger=\"every 30s\""));
    let partial = app
        .get(
            &format!("{office}/missing?date={SCHOOL_DAY}"),
            Some(&officer),
        )
        .await;
    assert!(
        partial
            .body
            .trim_start()
            .starts_with("<section id=\"missing\"")
    );
    // Ben and Cara are absent with no reason, with their contacts in order.
    assert!(text.contains("Absent with no reason (2)"), "{text}");
    assert!(text.contains("Ben Baker 5A · morning Parent of Ben (Mother) 07700 900001 A Neighbour (Emergency contact) 07700 900002"), "{text}");
    assert!(page.body.contains("href=\"tel:07700 900001\""));
}

pub async fn office_amends_and_the_ledger_shows_it(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    app.teacher_takes_5a(["present", "N", "present"]).await;
    let officer = app.sign_in("officer").await;
    app.clock.set(at(Time::constant(9, 45, 0, 0)));
    let ben = f.pupils[1];
    let change = format!(
        "date={SCHOOL_DAY}&session=am&code=I&reason=reason_established&note=Mother+phoned+9.40%3A+ill&back=/s/{}/office",
        f.school
    );
    let reply = app
        .post_form(
            &format!("/s/{}/pupils/{ben}/marks", f.school),
            Some(&officer),
            &change,
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    assert_eq!(
        reply.location.as_deref(),
        Some(&*format!("/s/{}/office", f.school))
    );
    let page = app
        .get(&format!("/s/{}/pupils/{ben}", f.school), Some(&officer))
        .await;
    let text = page.text();
    assert!(
        text.contains("Wed 10 Sep AM N I Reason for absence established: Mother phoned 9.40: ill 10 Sep 2025 09:45 Lisa Craven, Attendance officer"),
        "{text}"
    );
    // A change without a reason, or with a code not in force, changes nothing.
    let no_reason = format!("date={SCHOOL_DAY}&session=am&code=M&reason=");
    let reply = app
        .post_form(
            &format!("/s/{}/pupils/{ben}/marks", f.school),
            Some(&officer),
            &no_reason,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The refused form is shown again as sent, each message beside its field.
    let body = &reply.body;
    assert!(
        body.contains("<a href=\"#change-reason\">Choose why the mark changes.</a>"),
        "{body}"
    );
    assert!(body.contains("<option value=\"M\" selected>"), "{body}");
    let mistyped =
        "date=10%2F9%2F2025&session=am&code=L&minutes_late=ten&reason=other&note=late+bus";
    let reply = app
        .post_form(
            &format!("/s/{}/pupils/{ben}/marks", f.school),
            Some(&officer),
            mistyped,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    for (field, message) in [
        (
            "date",
            "The date must be a real date, written like 2026-11-19 (not &#34;10/9/2025&#34;).",
        ),
        (
            "minutes_late",
            "Minutes late must be a number (not &#34;ten&#34;).",
        ),
    ] {
        assert!(
            reply
                .body
                .contains(&format!("<a href=\"#change-{field}\">{message}</a>")),
            "{field}: {}",
            reply.body
        );
    }
    assert!(reply.body.contains("value=\"late bus\""), "{}", reply.body);
    let old = format!("date={SCHOOL_DAY}&session=am&code=H&reason=other&note=holiday");
    let reply = app
        .post_form(
            &format!("/s/{}/pupils/{ben}/marks", f.school),
            Some(&officer),
            &old,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.text().contains("withdrawn on 19 August 2024"),
        "{}",
        reply.text()
    );
    assert_eq!(app.store.ledger(ben).await.unwrap().len(), 1);
    // A redirect never leaves the school.
    let away = format!(
        "date={SCHOOL_DAY}&session=pm&code=I&reason=reason_established&note=ill&back=https://evil.example/"
    );
    let reply = app
        .post_form(
            &format!("/s/{}/pupils/{ben}/marks", f.school),
            Some(&officer),
            &away,
        )
        .await;
    assert_eq!(
        reply.location.as_deref(),
        Some(&*format!("/s/{}/pupils/{ben}", f.school))
    );
}

pub async fn bulk_codes_from_the_office(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    app.teacher_takes_5a(["present", "N", "I"]).await;
    let officer = app.sign_in("officer").await;
    let path = format!("/s/{}/office/bulk", f.school);
    let form = app.get(&path, Some(&officer)).await.body;
    assert!(
        form.contains("The whole school") && form.contains("5A") && !form.contains("value=\"#\"")
    );
    let trip = format!(
        "group={}&first={SCHOOL_DAY}&last=2025-09-11&sessions=both&code=V&reason=Science+Museum",
        f.group
    );
    let reply = app.post_form(&path, Some(&officer), &trip).await;
    assert_eq!(reply.status, StatusCode::OK);
    let text = reply.text();
    // 3 pupils × 4 sessions, less Amy's and Cara's recorded morning marks.
    assert!(
        text.contains("V entered for 10 sessions; 2 left as they were."),
        "{text}"
    );
    assert!(
        text.contains("Amy Able Wed 10 Sep AM /: Present at the start of the morning register"),
        "{text}"
    );
    let ledger = app.store.ledger(f.pupils[1]).await.unwrap();
    assert_eq!(ledger.len(), 4, "Ben's N and three empty sessions");
    assert!(
        ledger
            .iter()
            .all(|e| e.reason == "Science Museum" && e.by_name == "Lisa Craven")
    );
    let marks = app
        .store
        .marks(f.pupils[1], SCHOOL_DAY, SCHOOL_DAY)
        .await
        .unwrap();
    assert_eq!(marks[0].source, MarkSource::Bulk);
    // A planned closure belongs in the calendar.
    let closure = format!(
        "group=&first={SCHOOL_DAY}&last={SCHOOL_DAY}&sessions=both&code=%23&reason=Polling"
    );
    let reply = app.post_form(&path, Some(&officer), &closure).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .body
            .contains("<a href=\"#bulk-code\">A planned closure (#) goes in the school calendar"),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("value=\"Polling\""), "{}", reply.body);
    // Dates back to front, and no reason: each message beside its field, the rest kept.
    let backwards = format!(
        "group={}&first=2025-09-12&last={SCHOOL_DAY}&sessions=am&code=V&reason=",
        f.group
    );
    let reply = app.post_form(&path, Some(&officer), &backwards).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .body
            .contains("<a href=\"#bulk-reason\">Enter the reason.</a>"),
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains("name=\"first\" value=\"2025-09-12\""),
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains("value=\"am\" checked"),
        "{}",
        reply.body
    );
    let reply = app
        .post_form(
            &path,
            Some(&officer),
            &backwards.replace("reason=", "reason=Trip"),
        )
        .await;
    assert!(
        reply
            .body
            .contains("<a href=\"#bulk-last\">The last day is before the first.</a>"),
        "{}",
        reply.body
    );
}

pub async fn pupil_page(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    app.clock.set(at(Time::constant(15, 0, 0, 0)));
    let teacher = app.sign_in("teacher").await;
    // Monday, Tuesday and Wednesday of the week: Amy is late once and absent one afternoon.
    for (day, am, pm) in [
        ("2025-09-08", "present", "present"),
        ("2025-09-09", "late", "N"),
        ("2025-09-10", "present", "present"),
    ] {
        app.clock.set(at(Time::constant(15, 0, 0, 0)));
        for (session, choice) in [("am", am), ("pm", pm)] {
            let path = format!("/s/{}/registers/{}/{day}/{session}", f.school, f.group);
            let form = format!(
                "mark_{}={choice}&late_at_{}=09:00&mark_{}=present&mark_{}=present",
                f.pupils[0], f.pupils[0], f.pupils[1], f.pupils[2]
            );
            let reply = app.post_form(&path, Some(&teacher), &form).await;
            assert_eq!(
                reply.status,
                StatusCode::SEE_OTHER,
                "{day} {session}: {}",
                reply.text()
            );
        }
    }
    let page = app
        .get(
            &format!("/s/{}/pupils/{}", f.school, f.pupils[0]),
            Some(&teacher),
        )
        .await;
    let text = page.text();
    assert!(text.contains("Amy Able 5A · Year 5"), "{text}");
    assert!(
        text.contains("2025/26 so far Attendance 83.33% Possible sessions 6"),
        "{text}"
    );
    assert!(
        text.contains("Late before the register closed (L) 1"),
        "{text}"
    );
    assert!(text.contains("Minutes late 15"), "{text}");
    assert!(text.contains("Persistently absent"), "{text}");
    // The calendar colours each session by its category.
    assert!(page.body.contains("title=\"Tue 9 Sep: morning L: Arrived late, before the register closed; afternoon N: Absent; the reason is not yet established\"><span class=\"am present\"></span><span class=\"pm unauthorised\"></span>"), "{}", page.body);
    assert!(
        page.body
            .contains("title=\"Sat 13 Sep: morning no school; afternoon no school\"")
    );
    // A teacher does not change marks or see contacts.
    assert!(!text.contains("Change a mark") && !text.contains("07700"));
}

/// The board for assembly: each class's week ranked, the 100% trophy and the week before.
pub async fn the_attendance_board(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    app.teacher_takes_5a(["present", "present", "present"])
        .await;
    let head = app.sign_in("head").await;
    let board = format!("/s/{}/board?week={SCHOOL_DAY}", f.school);
    let page = app.get(&board, Some(&head)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let text = page.text();
    assert!(text.contains("Mon 8 Sep 2025 to Fri 12 Sep 2025"), "{text}");
    assert!(text.contains("Class of the week 5A · 100.00%"), "{text}");
    assert!(text.contains("100% trophy: 5A."), "{text}");
    assert!(
        !text.contains("5B"),
        "no sessions, no place on the board: {text}"
    );
    // One absence in 5A, and it is no longer a 100% week.
    let officer = app.sign_in("officer").await;
    let amend = format!("date={SCHOOL_DAY}&session=am&code=I&reason=reason_established&note=ill");
    let changed = app
        .post_form(
            &format!("/s/{}/pupils/{}/marks", f.school, f.pupils[1]),
            Some(&officer),
            &amend,
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.text());
    let text = app.get(&board, Some(&officer)).await.text();
    assert!(text.contains("Class of the week 5A · 66.67%"), "{text}");
    assert!(!text.contains("100% trophy"), "{text}");
}
