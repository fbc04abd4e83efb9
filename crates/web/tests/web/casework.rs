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
    assert!(
        text.contains("Escalations due (1) Cara Cole 5A · Home visit"),
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
