use axum::http::StatusCode;
use jiff::civil::{Time, date};
use rollcall_core::Flag;
use rollcall_store::{Actor, NewFlag};
use rollcall_testkit::Backend;
use rollcall_testkit::fixture::SCHOOL_DAY;

use crate::support::{TestApp, at};

/// Cara was absent with no reason on Monday and Tuesday mornings too: 5A's teacher took
/// those registers late.
pub async fn cara_absent_since_monday(app: &TestApp) {
    let teacher = app.sign_in("teacher").await;
    for day in ["2025-09-08", "2025-09-09"] {
        let path = app
            .register_path(app.fixture.group.0)
            .replace(&SCHOOL_DAY.to_string(), day);
        let reply = app
            .post_form(
                &path,
                Some(&teacher),
                &app.register_form(["present", "present", "N"]),
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    }
}

/// Ben has a social worker.
pub async fn ben_has_a_social_worker(app: &TestApp) {
    app.store
        .add_flag(&NewFlag {
            pupil: app.fixture.pupils[1],
            flag: Flag::SocialWorker,
            from: date(2025, 9, 2),
            note: "LA notification".into(),
            actor: Actor {
                user: None,
                name: "June Turner".into(),
                position: "Headteacher".into(),
            },
            at: at(Time::constant(8, 0, 0, 0)),
        })
        .await
        .unwrap();
}

pub async fn the_morning_worklist(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let ben = f.pupils[1];
    cara_absent_since_monday(&app).await;
    ben_has_a_social_worker(&app).await;
    app.teacher_takes_5a(["present", "N", "N"]).await;
    let officer = app.sign_in("officer").await;
    let office = format!("/s/{}/office", f.school);

    // Before the register closes nothing is due for today's absences.
    let text = app.get(&office, Some(&officer)).await.text();
    assert!(!text.contains("Call home"), "{text}");

    // At 09:20 the register has closed: the scheduler's job queues a text to each absent
    // pupil's parents, once however often it is asked and from however many processes.
    app.clock.set(at(Time::constant(9, 20, 0, 0)));
    let ran = rollcall_web::run_due(&app.state, "one").await.unwrap();
    assert_eq!(ran.len(), 2, "each school's morning register closed");
    let ours = ran.iter().find(|j| j.school == f.school).unwrap();
    assert_eq!(
        ours.summary,
        "2 pupils absent with no reason at the morning register close (09:15): 2 texts queued, 2 other first-day actions due"
    );
    assert!(
        rollcall_web::run_due(&app.state, "one")
            .await
            .unwrap()
            .is_empty()
    );
    let other_process = rollcall_web::AppState::new(std::sync::Arc::new(app._db.store().await))
        .with_clock(app.clock.clone());
    assert!(
        rollcall_web::run_due(&other_process, "two")
            .await
            .unwrap()
            .is_empty()
    );
    let outbox = app.store.outbox(f.school).await.unwrap();
    let sent: Vec<(&str, &str)> = outbox
        .iter()
        .map(|m| (m.message.recipient.as_str(), m.message.body.as_str()))
        .collect();
    assert_eq!(
        sent,
        [
            (
                "+447700900001",
                "Fixture Primary: Ben was not at registration this morning and we have not heard why. Please call the school office today on 01632 960 001."
            ),
            (
                "+447700900001",
                "Fixture Primary: Cara was not at registration this morning and we have not heard why. Please call the school office today on 01632 960 001."
            ),
        ]
    );

    // The Today page: the calls with each absence, Ben's same-day visit, Cara's day-3 visit.
    let page = app.get(&office, Some(&officer)).await;
    let text = page.text();
    assert!(
        !text.contains("Text the family"),
        "the texts are done: {text}"
    );
    let call = format!("first_day.call@{SCHOOL_DAY} AM");
    assert_eq!(
        page.body.matches(&format!("data-item=\"{call}\"")).count(),
        2
    );
    assert!(
        text.contains("Call home, then the emergency contacts by 09:15 (overdue)"),
        "{text}"
    );
    assert!(
        text.contains("Same-day home visit by 15:15 · Designated safeguarding lead"),
        "{text}"
    );
    assert!(
        text.contains("has a social worker and absent at the AM register with no reason"),
        "{text}"
    );
    assert!(text.contains("Escalations due (1)"), "{text}");
    assert!(
        text.contains("Attendance officer (1) Cara Cole 5A · Home visit"),
        "{text}"
    );
    assert!(text.contains("Absent without explanation for 3 school days since 8 September; the policy asks for this from day 3 Fixture policy §4"), "{text}");

    // The first call to Ben's home reaches nobody: the item stays open, due again an hour
    // later (the policy's interval between tries), and says so.
    let casework = format!("/s/{}/pupils/{ben}/casework", f.school);
    let tried = app
        .post_form(
            &casework,
            Some(&officer),
            &format!("item={call}&kind=no_answer&back=/s/{}/office", f.school),
        )
        .await;
    assert_eq!(tried.status, StatusCode::SEE_OTHER, "{}", tried.text());
    let page = app.get(&office, Some(&officer)).await;
    assert_eq!(
        page.body.matches(&format!("data-item=\"{call}\"")).count(),
        2,
        "Ben's call is still to make"
    );
    let now = app.state.local_now().time();
    let again = now
        .checked_add(jiff::SignedDuration::from_hours(1))
        .unwrap();
    let said = format!(
        "No answer at {} (1 try); try again from {}",
        now.strftime("%H:%M"),
        again.strftime("%H:%M")
    );
    assert!(page.text().contains(&said), "{said} in {}", page.text());
    // A try belongs to an item.
    let refused = app
        .post_form(&casework, Some(&officer), "kind=no_answer")
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Logging Ben's call completes it; dismissing needs a reason.
    let done = app
        .post_form(
            &casework,
            Some(&officer),
            &format!(
                "item={call}&kind=call&with=Mother&note=Ill%2C+back+tomorrow&back=/s/{}/office",
                f.school
            ),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_eq!(done.location.as_deref(), Some(office.as_str()));
    // The chronology names the step by the school's words for it, not by its rule's id.
    let chronology = app
        .get(&format!("/s/{}/pupils/{ben}", f.school), Some(&officer))
        .await
        .text();
    assert!(
        chronology.contains("Mother Ill, back tomorrow Call home, then the emergency contacts"),
        "{chronology}"
    );
    assert!(!chronology.contains("first_day.call"), "{chronology}");
    let visit = format!("welfare.home_visit@{SCHOOL_DAY}");
    let refused = app
        .post_form(
            &casework,
            Some(&officer),
            &format!("item={visit}&kind=dismissed&note=+"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text().contains("Dismissed needs a reason"),
        "{}",
        refused.text()
    );
    app.post_form(
        &casework,
        Some(&officer),
        &format!("item={visit}&kind=dismissed&note=Social+worker+visited+at+9"),
    )
    .await;
    let page = app.get(&office, Some(&officer)).await;
    assert_eq!(
        page.body.matches(&format!("data-item=\"{call}\"")).count(),
        1,
        "only Cara's call is left"
    );
    assert!(!page.text().contains("Same-day home visit"));

    // Ben's page: his chronology, with who recorded each entry.
    let pupil = app
        .get(&format!("/s/{}/pupils/{ben}", f.school), Some(&officer))
        .await
        .text();
    assert!(
        pupil
            .contains("Social worker since Tue 2 Sep · LA notification (June Turner, Headteacher)"),
        "{pupil}"
    );
    assert!(
        pupil.contains("Wed 10 Sep 2025 09:20 Call Mother Ill, back tomorrow"),
        "{pupil}"
    );
    assert!(
        pupil.contains("Wed 10 Sep 2025 09:15 Text Parent of Ben Queued at register close"),
        "{pupil}"
    );
    assert!(pupil.contains("rollcall, register close"), "{pupil}");
    assert!(
        pupil.contains("Dismissed Social worker visited at 9"),
        "{pupil}"
    );

    // A teacher sees the pupil, not the casework, and cannot add to it.
    let teacher = app.sign_in("teacher").await;
    let seen = app
        .get(&format!("/s/{}/pupils/{ben}", f.school), Some(&teacher))
        .await
        .text();
    assert!(
        !seen.contains("Chronology") && !seen.contains("Social worker"),
        "{seen}"
    );
    let refused = app
        .post_form(&casework, Some(&teacher), "kind=note&note=hello")
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let flags = app.store.flags(ben).await.unwrap();
    let end = format!("/s/{}/pupils/{ben}/flags/{}/end", f.school, flags[0].id);
    let refused = app
        .post_form(&end, Some(&teacher), &format!("until={SCHOOL_DAY}"))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let ended = app
        .post_form(&end, Some(&officer), &format!("until={SCHOOL_DAY}"))
        .await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.store.flags(ben).await.unwrap()[0].until,
        Some(SCHOOL_DAY)
    );
}

/// The Today page's worklist worked in place: filtered, each action answered with its item
/// as it now stands, and a mistaken click taken back by its author within minutes only.
pub async fn work_the_worklist_in_place(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let (ben, cara) = (f.pupils[1], f.pupils[2]);
    cara_absent_since_monday(&app).await;
    ben_has_a_social_worker(&app).await;
    app.teacher_takes_5a(["present", "N", "N"]).await;
    app.clock.set(at(Time::constant(9, 20, 0, 0)));
    rollcall_web::run_due(&app.state, "one").await.unwrap();
    let officer = app.sign_in("officer").await;
    let office = format!("/s/{}/office", f.school);

    // Filters: who acts, the kind of work, the year group; counts stay for the whole list.
    // (filter, item shown, item left out)
    let visit = "escalation.home_visit@2025-09-08";
    let table = [
        ("", visit, ""),
        ("?who=mine", visit, ""),
        ("?who=Attendance+officer", visit, ""),
        ("?who=Headteacher", "", visit),
        ("?kind=escalations", visit, ""),
        ("?kind=stages", "", visit),
        ("?year=5", visit, ""),
        ("?year=6", "", visit),
    ];
    for (filter, shown, left_out) in table {
        let page = app.get(&format!("{office}{filter}"), Some(&officer)).await;
        assert_eq!(page.status, StatusCode::OK, "{filter}");
        let worklist = page
            .body
            .split("id=\"worklist-title\"")
            .nth(1)
            .unwrap_or_default();
        if !shown.is_empty() {
            assert!(worklist.contains(shown), "{filter} shows {shown}");
        }
        if !left_out.is_empty() {
            assert!(
                !worklist.contains(left_out),
                "{filter} leaves out {left_out}"
            );
        }
        assert!(
            page.text().contains("Mine (Attendance officer)"),
            "{filter}"
        );
    }

    // "Show more" loads the next items of a group in place.
    let items = format!("{office}/items?who=Attendance+officer&kind=escalations");
    let first = app.get(&format!("{items}&from=0"), Some(&officer)).await;
    assert!(
        first.body.contains(&format!("data-item=\"{visit}\"")),
        "{}",
        first.body
    );
    let past = app.get(&format!("{items}&from=1"), Some(&officer)).await;
    assert!(!past.body.contains("data-item"), "{}", past.body);

    // Logging Cara's visit answers with the item done and an undo.
    let casework = format!("/s/{}/pupils/{cara}/casework", f.school);
    let logged = app
        .post_in_place(
            &casework,
            &officer,
            &format!("item={visit}&kind=home_visit&with=Mother&note=Seen&back={office}"),
        )
        .await;
    assert_eq!(logged.status, StatusCode::OK, "{}", logged.text());
    assert!(
        logged.body.starts_with("<li class=\"due closed\""),
        "{}",
        logged.body
    );
    assert!(
        logged.text().contains("Home visit recorded at 09:20. Undo"),
        "{}",
        logged.text()
    );
    assert!(
        logged.body.contains("hx-swap-oob"),
        "announced to screen readers"
    );

    // Only its author takes it back, and only for ten minutes.
    let undo = format!("item={visit}&kind=undone&back={office}");
    let head = app.sign_in("head").await;
    let refused = app.post_in_place(&casework, &head, &undo).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .contains("only your own entry of the last 10 minutes"),
        "{}",
        refused.text()
    );
    app.clock.set(at(Time::constant(9, 30, 0, 0)));
    let undone = app.post_in_place(&casework, &officer, &undo).await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.text());
    assert!(
        undone.text().contains("Taken back at 09:30: due again."),
        "{}",
        undone.text()
    );
    assert!(undone.body.contains("form.done") || undone.body.contains("class=\"quick done\""));
    let page = app.get(&office, Some(&officer)).await;
    assert!(
        page.body.contains(&format!("data-item=\"{visit}\"")),
        "open again"
    );
    // The chronology keeps both: nothing is taken out of the record.
    let chronology = app
        .get(&format!("/s/{}/pupils/{cara}", f.school), Some(&officer))
        .await
        .text();
    assert!(
        chronology.contains("Undone Took back: Home visit at 09:20"),
        "{chronology}"
    );
    assert!(
        chronology.contains("Home visit Mother Seen"),
        "{chronology}"
    );
    // Nothing left to take back; and after ten minutes an entry stands.
    let again = app.post_in_place(&casework, &officer, &undo).await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.text()
    );
    app.post_in_place(
        &casework,
        &officer,
        &format!("item={visit}&kind=home_visit&note=Seen&back={office}"),
    )
    .await;
    app.clock.set(at(Time::constant(9, 41, 0, 0)));
    let late = app.post_in_place(&casework, &officer, &undo).await;
    assert_eq!(
        late.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        late.text()
    );

    // A call that reaches nobody stays open, in place, with its undo.
    let call = format!("first_day.call@{SCHOOL_DAY} AM");
    let tried = app
        .post_in_place(
            &format!("/s/{}/pupils/{ben}/casework", f.school),
            &officer,
            &format!("item={call}&kind=no_answer&back={office}"),
        )
        .await;
    assert_eq!(tried.status, StatusCode::OK);
    assert!(tried.body.starts_with("<li class=\"due"), "{}", tried.body);
    assert!(!tried.body.contains("closed"), "{}", tried.body);
    assert!(
        tried
            .text()
            .contains("No answer recorded at 09:41; it stays open for the next try. Undo"),
        "{}",
        tried.text()
    );
    assert!(
        tried.text().contains("try again from 10:41"),
        "{}",
        tried.text()
    );
}
