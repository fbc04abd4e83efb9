use axum::http::StatusCode;
use jiff::civil::{Date, date};
use rollcall_core::admission::{Entry, Registration};
use rollcall_store::{Actor, Contact, NewAdmission, PupilKey};
use rollcall_testkit::Backend;
use rollcall_testkit::fixture::{self, POLICY, SCHOOL_DAY};

use crate::support::TestApp;

/// Finn Fox, admitted by the office on the fixture's school day (Wednesday 10 September) with
/// his starting day.
pub async fn admit_finn(app: &TestApp, starts: Date) -> PupilKey {
    let mut pupil = fixture::pupil("X801200005006", "Fox", "Finn", "5A");
    pupil.entry_date = Some(starts);
    app.store
        .admit(&NewAdmission {
            school: app.fixture.school,
            pupil,
            entry: Entry {
                address: "4 Church Lane, Woburn".into(),
                last_school: "Eversholt Lower School".into(),
                boarder: false,
                registration: Registration::Single,
                other_school: None,
                future_address: None,
                next_school: None,
            },
            contacts: vec![Contact {
                name: "Fiona Fox".into(),
                relationship: "Mother".into(),
                parental_responsibility: true,
                lives_with_pupil: true,
                correspondence: true,
                salutation: None,
                priority: 1,
                phones: vec!["07700 900123".into()],
                email: None,
                address: Some("4 Church Lane, Woburn".into()),
                preferred_language: None,
                court_order: None,
                opted_out: false,
            }],
            actor: Actor {
                user: None,
                name: "Lisa Craven".into(),
                position: "Attendance officer".into(),
            },
            at: SCHOOL_DAY.at(9, 0, 0, 0),
        })
        .await
        .unwrap()
}

pub async fn a_new_pupil_return_is_checked_then_sent(backend: Backend) {
    let app = TestApp::new(backend).await;
    let s = app.fixture.school;
    let finn = admit_finn(&app, date(2025, 9, 15)).await;
    // Friday 19 September: Finn was entered on Monday, so his return is due by Saturday.
    let friday = date(2025, 9, 19);
    let morning = |t| {
        friday
            .at(t, 0, 0, 0)
            .to_zoned(jiff::tz::TimeZone::get("Europe/London").unwrap())
            .unwrap()
            .timestamp()
    };
    app.clock.set(morning(8));
    let officer = app.sign_in("officer").await;
    let page = app
        .get(&format!("/s/{s}/returns"), Some(&officer))
        .await
        .text();
    assert!(
        page.contains("New pupil return Finn Fox Sat 20 Sep 2025"),
        "{page}"
    );
    assert!(
        page.contains("entered in the admission register on Mon 15 Sep 2025"),
        "{page}"
    );
    let today = app
        .get(&format!("/s/{s}/office"), Some(&officer))
        .await
        .text();
    assert!(
        today.contains("Returns to the local authority (1)"),
        "{today}"
    );
    assert!(
        today.contains("New pupil return: Finn Fox") && today.contains("due Sat 20 Sep 2025"),
        "{today}"
    );
    assert!(today.contains("Regulation 13(1)-(3)"), "{today}");

    let path = format!("/s/{s}/returns/due/new_pupil:X801200005006@2025-09-15");
    let shown = app.get(&path, Some(&officer)).await.text();
    assert!(shown.contains("Regulation 13(1)-(3)"), "{shown}");
    assert!(shown.contains("Eversholt Lower School"), "{shown}");
    assert!(shown.contains("Fiona Fox"), "{shown}");
    let csv = app.get(&format!("{path}/csv"), Some(&officer)).await;
    assert!(
        csv.body
            .starts_with("UPN,Surname,Forename,Date of birth,Sex,Preferred forename")
    );
    assert!(
        csv.body
            .contains("X801200005006,Fox,Finn,2015-05-01,F,,5,5A,2025-09-15"),
        "{}",
        csv.body
    );
    let pdf = app.get(&format!("{path}/pdf"), Some(&officer)).await.pdf();
    assert!(
        pdf.text.contains("New pupil return: Finn Fox"),
        "{}",
        pdf.text
    );

    // No address in the policy: it cannot be emailed, and says why.
    let refused = app.post_form(&path, Some(&officer), "how=email").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text().contains("gives no address"),
        "{}",
        refused.text()
    );
    // With the local authority's address, it goes through the outbox.
    let with_address = format!(
        "{POLICY}\n[procedures.statutory]\noffice = \"Attendance officer\"\ndeletion = \"Headteacher\"\nla_email = \"admissions@la.example.gov.uk\"\n"
    );
    app.store.set_policy(s, &with_address).await.unwrap();
    let sent = app.post_form(&path, Some(&officer), "how=email").await;
    assert_eq!(
        sent.location.as_deref(),
        Some(format!("/s/{s}/returns").as_str()),
        "{}",
        sent.text()
    );
    let messages = app.store.pupil_messages(finn).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0].message.recipient,
        "admissions@la.example.gov.uk"
    );
    assert!(
        messages[0]
            .message
            .body
            .contains("Last school: Eversholt Lower School")
    );
    // Made once: no longer due, listed as made, in Finn's chronology.
    let page = app
        .get(&format!("/s/{s}/returns"), Some(&officer))
        .await
        .text();
    assert!(
        page.contains("Emailed to admissions@la.example.gov.uk"),
        "{page}"
    );
    assert!(
        !page.contains("New pupil return Finn Fox Sat 20 Sep 2025"),
        "{page}"
    );
    let again = app.post_form(&path, Some(&officer), "how=email").await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let chronology = app.store.chronology(finn).await.unwrap();
    assert!(
        chronology
            .iter()
            .any(|e| e.entry.note.starts_with("New pupil return: Finn Fox"))
    );
    let made = app.store.returns_made(s).await.unwrap();
    assert_eq!(made[0].by, "Lisa Craven, Attendance officer");
    assert!(made[0].content.contains("X801200005006"));
}

pub async fn the_daily_data_waits_for_every_register(backend: Backend) {
    use jiff::SignedDuration;
    use rollcall_core::{Code, Session, SessionKey};
    use rollcall_store::PlannedMark;
    use rollcall_web::Clock as _;
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    let s = f.school;
    let day = |path: &str| format!("/s/{s}/returns/daily/{SCHOOL_DAY}{path}");
    // Before the afternoon register closes, nothing is made.
    rollcall_web::run_due(&app.state, "test").await.unwrap();
    assert!(app.store.daily_data(s, SCHOOL_DAY).await.unwrap().is_none());

    // After it closes, with registers missing: made, held back, and tried again later.
    app.teacher_takes_5a(["present", "present", "I"]).await;
    app.clock
        .set(crate::support::at(jiff::civil::Time::constant(
            13, 50, 0, 0,
        )));
    rollcall_web::run_due(&app.state, "test").await.unwrap();
    let waiting = app.store.daily_data(s, SCHOOL_DAY).await.unwrap().unwrap();
    assert!(!waiting.complete);
    assert!(waiting.missing.contains("(5B) AM"), "{}", waiting.missing);
    let officer = app.sign_in("officer").await;
    let page = app
        .get(&format!("/s/{s}/returns"), Some(&officer))
        .await
        .text();
    assert!(page.contains("Waiting for registers:"), "{page}");
    let held = app.get(&day(""), Some(&officer)).await;
    assert_eq!(held.status, StatusCode::CONFLICT, "{}", held.body);

    // Every session marked: made complete at the next try, ten minutes on.
    let mut plans = Vec::new();
    for pupil in f.pupils.iter().chain(&f.other_pupils) {
        for session in Session::BOTH {
            let key = SessionKey {
                date: SCHOOL_DAY,
                session,
            };
            if app
                .store
                .marks(*pupil, SCHOOL_DAY, SCHOOL_DAY)
                .await
                .unwrap()
                .iter()
                .any(|m| m.key == key)
            {
                continue;
            }
            plans.push(PlannedMark {
                pupil: *pupil,
                key,
                code: Code::PresentPm,
                comment: None,
            });
        }
    }
    let head = Actor {
        user: None,
        name: "June Turner".into(),
        position: "Headteacher".into(),
    };
    app.store
        .plan_marks(&plans, &head, app.clock.now())
        .await
        .unwrap();
    rollcall_web::run_due(&app.state, "test").await.unwrap();
    assert!(
        !app.store
            .daily_data(s, SCHOOL_DAY)
            .await
            .unwrap()
            .unwrap()
            .complete,
        "tried within ten minutes"
    );
    app.clock.advance(SignedDuration::from_mins(11));
    rollcall_web::run_due(&app.state, "test").await.unwrap();
    let made = app.store.daily_data(s, SCHOOL_DAY).await.unwrap().unwrap();
    assert!(made.complete, "{}", made.missing);
    let file = app.get(&day(""), Some(&officer)).await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    assert!(
        file.body.starts_with("urn,la_code,date,session,upn"),
        "{}",
        file.body
    );
    assert!(
        file.body
            .contains("100001,801,2025-09-10,AM,E801200005003,Cara,Cole"),
        "{}",
        file.body
    );
    assert!(
        file.body.contains(",I,\n") || file.body.contains(",I,\r\n"),
        "{}",
        file.body
    );
    // Five pupils, two sessions each.
    assert_eq!(file.body.lines().count(), 11);
}

/// Seed 000: a learner's home school and lead contact kept on their entry; when the register
/// closes, the lead is emailed the absence with the mark here and `D` for their register, as a
/// return made once; the worklist then waits for their update; and the home school takes the
/// day's file of its learners' marks.
pub async fn the_home_school_is_told_at_register_close(backend: Backend) {
    use jiff::civil::Time;
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    let s = f.school;
    let with_home_schools = format!(
        "{POLICY}\n[procedures.home_school]\nupdate_within_minutes = 30\nwho = \"Attendance officer\"\nsource = \"Seed 000 'Absence procedures'\"\n"
    );
    app.store.set_policy(s, &with_home_schools).await.unwrap();
    let ben = f.pupils[1];
    let officer = app.sign_in("officer").await;
    let home = format!("/s/{s}/admissions/{ben}/home");
    let unreachable = app
        .post_form(&home, Some(&officer), "school=Kings+Academy&lead=Ann+Lee")
        .await;
    assert_eq!(unreachable.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unreachable
            .text()
            .contains("email address or telephone number")
    );
    assert!(app.store.home_links(s).await.unwrap().is_empty());
    let saved = app
        .post_form(
            &home,
            Some(&officer),
            "school=Kings+Academy&la_estab=801%2F4100&lead=Ann+Lee&email=a.lee%40kings.example&phone=",
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());

    app.clock
        .set(crate::support::at(Time::constant(9, 5, 0, 0)));
    app.teacher_takes_5a(["present", "N", "present"]).await;
    app.clock
        .set(crate::support::at(Time::constant(9, 20, 0, 0)));
    rollcall_web::run_due(&app.state, "test").await.unwrap();
    rollcall_web::run_due(&app.state, "test").await.unwrap();
    let made = app.store.returns_made(s).await.unwrap();
    assert_eq!(made.len(), 1, "made once");
    let upn = app.store.pupil(ben).await.unwrap().pupil.upn;
    assert_eq!(
        made[0].key.to_string(),
        format!("home_school:{upn}@{SCHOOL_DAY}/am")
    );
    assert_eq!(made[0].to, "a.lee@kings.example");
    assert!(made[0].content.contains(",N,"), "{}", made[0].content);
    let messages = app.store.pupil_messages(ben).await.unwrap();
    let notice = messages
        .iter()
        .find(|m| m.message.recipient == "a.lee@kings.example")
        .unwrap();
    assert!(
        notice.message.body.contains("record D"),
        "{}",
        notice.message.body
    );
    assert!(notice.message.body.contains("within 30 minutes"));
    let chronology = app.store.chronology(ben).await.unwrap();
    assert!(chronology.iter().any(|e| {
        e.entry
            .item
            .as_ref()
            .is_some_and(|k| k.rule == "home_school.notify")
    }));
    // The worklist now waits for the home school's update, due half an hour after the notice.
    let officer = app.sign_in("officer").await;
    let today = app
        .get(&format!("/s/{s}/office"), Some(&officer))
        .await
        .text();
    assert!(today.contains("Record the home school's update"), "{today}");
    assert!(
        !today.contains("Tell the home school of the absence"),
        "{today}"
    );

    let page = app
        .get(
            &format!("/s/{s}/home-schools?date={SCHOOL_DAY}"),
            Some(&officer),
        )
        .await;
    assert!(
        page.text().contains("Kings Academy (801/4100)"),
        "{}",
        page.text()
    );
    let file = app
        .get(
            &format!("/s/{s}/home-schools/file?school=801%2F4100&date={SCHOOL_DAY}"),
            Some(&officer),
        )
        .await;
    assert_eq!(file.status, StatusCode::OK);
    let lines: Vec<&str> = file.body.lines().collect();
    assert_eq!(
        lines.len(),
        3,
        "a header, then Ben's morning and afternoon: {}",
        file.body
    );
    assert!(
        lines[1].contains(&format!("{upn}"))
            && lines[1].ends_with(",N,Absent; the reason is not yet established,D"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].ends_with(",,,D"),
        "no afternoon mark yet: {}",
        lines[2]
    );
}
