use jiff::civil::Time;
use rollcall_testkit::Backend;

use crate::support::{MailServer, SmsProvider, TestApp, at, with_transports};

/// The week's attendance goes by email to the addresses in the school's policy on its day,
/// once the afternoon register has closed, through the outbox; once only, however often the
/// scheduler runs.
pub async fn the_weekly_summary_is_emailed_to_the_head(backend: Backend) {
    let mut app = TestApp::new(backend).await;
    let mail = MailServer::start().await;
    let sms = SmsProvider::start(0).await;
    app.use_state(with_transports(&app.state, &mail, &sms));
    let s = app.fixture.school;
    // SCHOOL_DAY is a Wednesday.
    let policy = rollcall_testkit::fixture::POLICY.replace(
        "target = 96",
        "target = 96\nweekly_summary_to = [\"head@fixture.sch.uk\", \"sac@fixture.sch.uk\"]\nweekly_summary_day = \"wednesday\"",
    );
    app.store.set_policy(s, &policy).await.unwrap();
    app.clock.set(at(Time::constant(9, 5, 0, 0)));
    app.teacher_takes_5a(["present", "N", "I"]).await;

    let weekly = |jobs: &[rollcall_store::ScheduledJob]| {
        jobs.iter()
            .filter(|j| j.kind == rollcall_store::JobKind::WeeklySummary)
            .count()
    };
    // Not before the afternoon register closes.
    app.clock.set(at(Time::constant(13, 0, 0, 0)));
    let ran = rollcall_web::run_due(&app.state, "one").await.unwrap();
    assert_eq!(weekly(&ran), 0);
    app.clock.set(at(Time::constant(15, 30, 0, 0)));
    let ran = rollcall_web::run_due(&app.state, "one").await.unwrap();
    assert_eq!(weekly(&ran), 1, "{ran:?}");
    let again = rollcall_web::run_due(&app.state, "two").await.unwrap();
    assert_eq!(weekly(&again), 0);

    let outbox = app.store.outbox(s).await.unwrap();
    let summaries: Vec<_> = outbox
        .iter()
        .filter(|m| m.message.pupil.is_none())
        .collect();
    let to: Vec<&str> = summaries
        .iter()
        .map(|m| m.message.recipient.as_str())
        .collect();
    assert_eq!(to, ["head@fixture.sch.uk", "sac@fixture.sch.uk"]);
    let first = &summaries[0].message;
    assert_eq!(
        first.subject.as_deref(),
        Some("Attendance at Fixture Primary: week beginning Mon 8 Sep 2025, 33.33%")
    );
    // The figures are the Analysis page's for the week.
    let head = app.sign_in("head").await;
    let page = app
        .get(&format!("/s/{s}/analytics?period=week"), Some(&head))
        .await;
    assert!(page.body.contains("<td>33.33</td>"), "{}", page.body);
    assert!(
        first
            .body
            .contains("persistently absent 2 of the 3 pupils with sessions (66.67%)"),
        "{}",
        first.body
    );
    let link = format!("/s/{s}/analytics?period=week");
    assert!(first.body.contains(&link), "{}", first.body);

    // The outbox sends them.
    rollcall_web::deliver_due(&app.state).await.unwrap();
    let mails = mail.received();
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert!(
        mails.iter().any(|m| m.contains("To: head@fixture.sch.uk")),
        "{mails:?}"
    );
}
