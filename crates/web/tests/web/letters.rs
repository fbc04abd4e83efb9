//! Letters in the school's own words, and whole-school letters: previewed, printed as one
//! PDF or emailed, and waiting to be recorded as sent.

use axum::http::StatusCode;
use rollcall_testkit::Backend;

use rollcall_testkit::fixture::POLICY;

use crate::casefile::form;
use crate::support::TestApp;

/// Each school words its own letters; a wording that names a field letters do not have is
/// refused before it is saved.
pub async fn a_school_words_its_own_letters(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (s, amy) = (app.fixture.school, app.fixture.pupils[0]);
    let head = app.sign_in("head").await;
    let path = format!("/s/{s}/messages/letter.letter_1");
    let refused = app
        .post_form(
            &path,
            Some(&head),
            &form(&[
                ("subject", "Attendance"),
                ("body", "Hello\n\n{{ shoe_size }}"),
            ]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text().contains("The body cannot be used: line 3"),
        "{}",
        refused.text()
    );
    // The wording typed is kept, to be put right.
    assert!(
        refused
            .body
            .contains(">Hello\n\n{{ shoe_size }}</textarea>"),
        "{}",
        refused.body
    );
    let saved = app
        .post_form(
            &path,
            Some(&head),
            &form(&[
                ("subject", "{{ preferred_name }}'s attendance"),
                (
                    "body",
                    "We are proud of {{ preferred_name }}.\n\n{{ preferred_name }} has missed {{ sessions_missed }} sessions.",
                ),
            ]),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let page = app
        .get(saved.location.as_deref().unwrap(), Some(&head))
        .await
        .text();
    assert!(page.contains("Saved: Low attendance letter 1."), "{page}");
    assert!(
        page.contains("Low attendance letter 1 (the school's wording)"),
        "{page}"
    );
    let letter = app
        .post_form(
            &format!("/s/{s}/pupils/{amy}/letters"),
            Some(&head),
            "template=letter_1",
        )
        .await
        .pdf();
    assert!(
        letter.text.contains("Amy's attendance")
            && letter.text.contains("Amy has missed 0 sessions."),
        "{}",
        letter.text
    );
    assert!(
        letter.text.contains("Learning missed over a school year"),
        "{}",
        letter.text
    );
}

/// Seed 002's traffic lights, and its exclusion of pupils with a healthcare plan from
/// low-attendance letters.
const SEED_002_BANDS: &str = r#"
[[procedures.bands]]
name = "Green"
source = "Seed 002 traffic lights"

[[procedures.bands]]
name = "Yellow"
at_or_below = 95
source = "Seed 002 traffic lights"

[[procedures.bands]]
name = "Amber"
at_or_below = 91
source = "Seed 002 traffic lights"

[[procedures.bands]]
name = "Red"
at_or_below = 90
source = "Seed 002 traffic lights"

[procedures.letters]
skip_low_attendance = ["healthcare_plan"]
"#;

/// Whole-school letters: chosen over a period, shown before printing with who is left out,
/// printed as one PDF and kept, then waiting on the Letters page to be recorded as sent.
pub async fn whole_school_letters(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let amy = f.pupils[0];
    app.teacher_takes_5a(["present", "N", "I"]).await;
    let officer = app.sign_in("officer").await;
    let batches = format!("/s/{}/letters/batches", f.school);
    let preview = app
        .get(
            &format!("{batches}?kind=certificates&period=this_half"),
            Some(&officer),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    let text = preview.text();
    assert!(
        text.contains("Certificates for 100% attendance: Autumn 2025, first half"),
        "{text}"
    );
    assert!(text.contains("1 pupil"), "{text}");
    assert!(text.contains("Amy Able 5A 100.00%"), "{text}");
    assert!(text.contains("Ben Baker (5A): 0.00%"), "{text}");
    assert!(
        text.contains("(5B): no possible sessions in the period"),
        "{text}"
    );
    // Traffic lights need the policy's bands.
    let lights = format!("{batches}?kind=traffic_light&period=this_half");
    let no_bands = app.get(&lights, Some(&officer)).await;
    assert_eq!(no_bands.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_bands.text().contains("no attendance bands"),
        "{}",
        no_bands.text()
    );
    // With seed 002's, every family gets one by the period's band, except that the school
    // spares a pupil with a healthcare plan a low-attendance letter.
    app.store
        .set_policy(f.school, &format!("{POLICY}{SEED_002_BANDS}"))
        .await
        .unwrap();
    app.store
        .add_flag(&rollcall_store::NewFlag {
            pupil: f.pupils[1],
            flag: rollcall_core::Flag::HealthcarePlan,
            from: jiff::civil::date(2025, 9, 1),
            note: "Asthma plan".into(),
            actor: rollcall_store::Actor {
                user: None,
                name: "June Turner".into(),
                position: "Headteacher".into(),
            },
            at: crate::support::at(jiff::civil::Time::constant(8, 0, 0, 0)),
        })
        .await
        .unwrap();
    let text = app.get(&lights, Some(&officer)).await.text();
    assert!(text.contains("2 pupils: Green 1, Red 1."), "{text}");
    assert!(
        text.contains("Ben Baker (5A): Individual healthcare plan: no low-attendance letter"),
        "{text}"
    );
    // A period the calendar does not have is said plainly.
    let summer = app
        .get(
            &format!("{batches}?kind=certificates&period=last_half"),
            Some(&officer),
        )
        .await;
    assert_eq!(summer.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Most improved needs a half term before to compare with; the first has none.
    let first_half = app
        .get(
            &format!("{batches}?kind=most_improved&period=this_half"),
            Some(&officer),
        )
        .await;
    assert_eq!(first_half.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        first_half
            .text()
            .contains("Most improved compares a half term with the one before"),
        "{}",
        first_half.text()
    );

    let printed = app
        .post_form(
            &batches,
            Some(&officer),
            "kind=certificates&period=this_half",
        )
        .await;
    assert_eq!(printed.status, StatusCode::OK, "{}", printed.text());
    let pdf = printed.pdf();
    assert_eq!(pdf.pages, 1, "{}", pdf.text);
    assert!(pdf.text.contains("Amy"), "{}", pdf.text);
    let kept = app.store.letters(amy).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].sent, None);
    let letters = app
        .get(&format!("/s/{}/letters", f.school), Some(&officer))
        .await
        .text();
    assert!(letters.contains("Printed, not yet sent (1)"), "{letters}");

    // Or through the outbox: one email to each contact letters go to, on the chronology.
    let emailed = app
        .post_form(
            &batches,
            Some(&officer),
            "kind=certificates&period=this_half&send=email",
        )
        .await;
    assert_eq!(emailed.status, StatusCode::SEE_OTHER, "{}", emailed.text());
    let page = app
        .get(emailed.location.as_deref().unwrap(), Some(&officer))
        .await
        .text();
    assert!(page.contains("1 email queued in the outbox"), "{page}");
    let outbox = app.store.outbox(f.school).await.unwrap();
    let email: Vec<(&str, Option<&str>)> = outbox
        .iter()
        .map(|m| (m.message.recipient.as_str(), m.message.subject.as_deref()))
        .collect();
    assert_eq!(
        email,
        [(
            "parent.of.amy@example.org",
            Some("Certificate of 100% attendance")
        )]
    );
    assert!(
        outbox[0]
            .message
            .body
            .contains("for 100% attendance: Autumn 2025, first half")
    );
    let chronology = app.store.chronology(amy).await.unwrap();
    assert!(
        chronology
            .iter()
            .any(|r| r.entry.note == "Queued: \"Certificate of 100% attendance\""),
        "{chronology:?}"
    );
}
