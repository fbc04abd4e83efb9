//! A person's flows in headless Chromium, driven through chromedriver (Debian's `chromium` and
//! `chromium-driver`; `scripts/test` installs them when missing).

// axe-core on every page, as each role; the register by keyboard.
mod accessibility;
mod driver;
// The register on a tablet: taken in a few taps, and taken offline.
mod register;

pub use accessibility::{every_page_is_accessible_to_each_role, the_register_by_keyboard};
pub use register::{
    a_register_taken_offline_is_sent_once, take_a_class_of_thirty, take_a_register_and_amend_a_mark,
};

use std::time::{Duration, Instant};

use fantoccini::Locator;
use rollcall_testkit::Backend;

use crate::support::TestApp;
use driver::{
    Served, click, click_to_page, page_with, parent_sign_in, set_value, sign_in, sign_in_with,
    sign_out, type_into,
};

pub async fn work_the_morning_worklist(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    crate::casework::cara_absent_since_monday(&app).await;
    crate::casework::ben_has_a_social_worker(&app).await;
    app.teacher_takes_5a(["present", "N", "N"]).await;
    app.clock
        .set(crate::support::at(jiff::civil::Time::constant(9, 20, 0, 0)));
    // The register closed at 09:15: its job runs as the server's scheduler would run it.
    rollcall_web::run_due(&app.state, "test").await.unwrap();
    let served = Served::start(&app.state).await;
    let (base, client) = (served.base.clone(), served.client.clone());

    // The officer's Today page: a call for each absence, Ben's same-day visit (he has a social
    // worker) and Cara's third-day home visit.
    sign_in(&client, &base, "officer").await;
    let today = page_with(&client, "Escalations due (1)").await;
    assert!(today.contains("Absent with no reason (2)"), "{today}");
    assert!(today.contains("Same-day home visit"), "{today}");
    assert!(
        !today.contains("Text the family"),
        "texted at 09:15: {today}"
    );
    let ben_call = "li.absence:first-of-type li.due[data-item^='first_day.call']";
    type_into(&client, &format!("{ben_call} input[name=with]"), "Mother").await;
    type_into(
        &client,
        &format!("{ben_call} input[name=note]"),
        "Ill, back tomorrow",
    )
    .await;
    // Logged in place: the page stays where it was, the item says what was done, and a
    // mistaken click can be taken back.
    let scrolled = "return window.scrollY;";
    click(&client, &format!("{ben_call} form.done button")).await;
    let before = client.execute(scrolled, vec![]).await.unwrap();
    page_with(&client, "Call recorded at 09:20.").await;
    assert_eq!(client.execute(scrolled, vec![]).await.unwrap(), before);
    let ben_done = "li.absence:first-of-type li.due.closed[data-item^='first_day.call']";
    click(&client, &format!("{ben_done} form.undo button")).await;
    page_with(&client, "Taken back at 09:20: due again.").await;
    type_into(&client, &format!("{ben_call} input[name=with]"), "Mother").await;
    type_into(
        &client,
        &format!("{ben_call} input[name=note]"),
        "Ill, back tomorrow",
    )
    .await;
    click(&client, &format!("{ben_call} form.done button")).await;
    page_with(&client, "Call recorded at 09:20.").await;

    // Cara's visit is dismissed, with the reason.
    let visit = "li.due[data-item^='escalation.home_visit']";
    click(&client, &format!("{visit} details summary")).await;
    type_into(
        &client,
        &format!("{visit} details input[name=note]"),
        "Family on a planned visit abroad; LA told",
    )
    .await;
    click(&client, &format!("{visit} details button")).await;
    page_with(&client, "Dismissed at 09:20.").await;
    client.refresh().await.unwrap();
    let today = page_with(&client, "Nothing else is due today.").await;
    let calls = client
        .find_all(Locator::Css("li.due[data-item^='first_day.call']"))
        .await
        .unwrap();
    assert_eq!(calls.len(), 1, "only Cara's call is left: {today}");

    // Ben's chronology has the call and the register-close text.
    let ben = f.pupils[1];
    client
        .goto(&format!("{base}/s/{}/pupils/{ben}", f.school))
        .await
        .unwrap();
    let page = page_with(&client, "Ill, back tomorrow").await;
    assert!(page.contains("Lisa Craven, Attendance officer"), "{page}");
    assert!(page.contains("Queued at register close"), "{page}");
    sign_out(&client).await;

    served.stop().await;
}

pub async fn keep_a_case_file(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    crate::casefile::cara_and_ben_have_fallen(&app).await;
    // The morning register has closed: Ben's absence today counts.
    app.clock
        .set(crate::support::at(jiff::civil::Time::constant(9, 20, 0, 0)));
    let served = Served::start(&app.state).await;
    let (base, client) = (served.base.clone(), served.client.clone());

    // The head opens Cara's page: the stage she has reached and the letter due.
    sign_in(&client, &base, "head").await;
    page_with(&client, "registers taken").await;
    let cara = f.pupils[2];
    let page_url = format!("{base}/s/{}/pupils/{cara}", f.school);
    client.goto(&page_url).await.unwrap();
    let page = page_with(&client, "Letter 2 by").await;
    assert!(page.contains("Attendance 0.00%, below 90%"), "{page}");

    // Printing it opens the PDF beside the page and keeps the letter.
    let letter = "li.due[data-item^='stage.facilitate.letter_2'] form.print";
    set_value(
        &client,
        &format!("{letter} input[name=meeting_date]"),
        "2025-09-16",
    )
    .await;
    type_into(
        &client,
        &format!("{letter} input[name=meeting_time]"),
        "09:30",
    )
    .await;
    click(&client, &format!("{letter} button")).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.store.letters(cara).await.unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the letter was never kept");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    client.goto(&page_url).await.unwrap();
    let page = page_with(&client, "Re: Low attendance letter 2 to Parent of Cara").await;
    assert!(page.contains("Not yet sent."), "{page}");
    assert!(page.contains("Letter 2 by"), "printed is not sent: {page}");

    // Posted, it is recorded in place; the step is done.
    click(&client, "li.letter.unsent form button").await;
    page_with(
        &client,
        "Posted Wed 10 Sep 2025 by June Turner, Headteacher.",
    )
    .await;
    client.goto(&page_url).await.unwrap();
    let page = page_with(&client, "Re: Low attendance letter 2 to Parent of Cara").await;
    assert!(!page.contains("Letter 2 by"), "{page}");

    // The meeting and the plan, each completing its step.
    click(&client, "#add-meeting summary").await;
    click(
        &client,
        "#add-meeting select[name=item] option[value^='stage.facilitate.asm']",
    )
    .await;
    type_into(
        &client,
        "#add-meeting textarea[name=attendees]",
        "Parent of Cara",
    )
    .await;
    type_into(
        &client,
        "#add-meeting textarea[name=actions]",
        "Morning check-in | June Turner | 2025-09-17",
    )
    .await;
    click_to_page(
        &client,
        "#add-meeting button",
        "Morning check-in (June Turner, by 17 Sep 2025)",
    )
    .await;
    click(&client, "#add-plan summary").await;
    click(
        &client,
        "#add-plan select[name=item] option[value^='stage.facilitate.atsp']",
    )
    .await;
    type_into(
        &client,
        "#add-plan input[name=target_per_week]",
        "9 of 10 sessions",
    )
    .await;
    type_into(
        &client,
        "#add-plan textarea[name=reviews]",
        "2025-10-14\n2025-11-18",
    )
    .await;
    let page = click_to_page(&client, "#add-plan button", "95%; 9 of 10 sessions").await;
    for step in [
        "Attendance support meeting by",
        "Attendance targeted support plan by",
    ] {
        assert!(!page.contains(step), "{step}: {page}");
    }

    // Ben's letter waits on the Letters page.
    let letters = click_to_page(
        &client,
        &format!("nav a[href='/s/{}/letters']", f.school),
        "Ben Baker",
    )
    .await;
    assert!(letters.contains("Low attendance letter 2"), "{letters}");
    sign_out(&client).await;

    served.stop().await;
}

pub async fn a_parent_on_a_phone_and_the_office(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    let amy = f.pupils[0];
    app.parent_signs_in(amy).await;
    let served = Served::start(&app.state).await;
    let (base, client) = (served.base.clone(), served.client.clone());
    client.set_window_size(390, 844).await.unwrap();

    // The parent signs in on a phone, opens Amy's year and a day in it.
    parent_sign_in(&client, &base).await;
    let page = click_to_page(
        &client,
        &format!("a[href='/parent/children/{amy}']"),
        "Attendance this year",
    )
    .await;
    assert!(page.contains("hours of learning"), "{page}");
    // On the phone: the chart is drawn, with its words for a screen reader; the month is a
    // calendar of numbered days large enough to tap; nothing scrolls sideways.
    let measures = client
        .execute(
            "const pie = document.querySelector('.pie').getBoundingClientRect();\
             const day = document.querySelector('details[open] a.date').getBoundingClientRect();\
             return [pie.height, day.width, day.height,\
                 document.documentElement.scrollWidth - window.innerWidth,\
                 document.querySelector('.pie').getAttribute('aria-label'),\
                 document.querySelector('details[open] summary').textContent];",
            vec![],
        )
        .await
        .unwrap();
    let number = |i: usize| measures[i].as_f64().unwrap();
    assert!(number(0) >= 100.0, "the chart is drawn: {measures}");
    assert!(
        number(1) >= 24.0 && number(2) >= 24.0,
        "days of at least 24 by 24 px: {measures}"
    );
    assert!(number(3) <= 0.0, "nothing scrolls sideways: {measures}");
    assert!(
        measures[4].as_str().unwrap().starts_with("Present "),
        "{measures}"
    );
    assert_eq!(measures[5], serde_json::json!("September 2025"));
    click_to_page(
        &client,
        "a.date[href='?day=2025-09-09#day']",
        "Tuesday 9 September 2025",
    )
    .await;

    // She reports tomorrow's absence and asks for leave in October.
    set_value(
        &client,
        "form[action$='/absence'] input[name=first]",
        "2025-09-11",
    )
    .await;
    set_value(
        &client,
        "form[action$='/absence'] input[name=last]",
        "2025-09-11",
    )
    .await;
    type_into(&client, "textarea[name=details]", "Hospital appointment").await;
    click(
        &client,
        "form[action$='/absence'] select[name=reason] option[value=medical]",
    )
    .await;
    click_to_page(
        &client,
        "form[action$='/absence'] button",
        "the school has your report",
    )
    .await;
    set_value(
        &client,
        "form[action$='/leave'] input[name=first]",
        "2025-10-06",
    )
    .await;
    set_value(
        &client,
        "form[action$='/leave'] input[name=last]",
        "2025-10-07",
    )
    .await;
    type_into(
        &client,
        "form[action$='/leave'] textarea[name=reason]",
        "A family funeral",
    )
    .await;
    let page = click_to_page(
        &client,
        "form[action$='/leave'] button",
        "Your request has gone to the headteacher",
    )
    .await;
    assert!(page.contains("Waiting for the school"), "{page}");
    sign_out(&client).await;

    // The officer accepts the report; the head grants the leave.
    sign_in(&client, &base, "officer").await;
    client
        .goto(&format!("{base}/s/{}/requests", f.school))
        .await
        .unwrap();
    let requests = page_with(&client, "Absences reported (1)").await;
    assert!(requests.contains("Hospital appointment"), "{requests}");
    click_to_page(
        &client,
        "li[data-report] button[value=accept]",
        "Accepted: 2 sessions coded",
    )
    .await;
    sign_out(&client).await;
    sign_in(&client, &base, "head").await;
    client
        .goto(&format!("{base}/s/{}/requests", f.school))
        .await
        .unwrap();
    page_with(&client, "Leave requests (1)").await;
    type_into(
        &client,
        "li[data-leave] textarea[name=response]",
        "Granted for the funeral",
    )
    .await;
    click_to_page(
        &client,
        "li[data-leave] button[value=grant]",
        "The decision has gone to the parent",
    )
    .await;
    client
        .goto(&format!("{base}/s/{}/pupils/{amy}", f.school))
        .await
        .unwrap();
    let pupil = page_with(&client, "Chronology").await;
    assert!(pupil.contains("Leave requested"), "{pupil}");
    assert!(
        pupil.contains("Not sent") || pupil.contains("Waiting to send"),
        "{pupil}"
    );
    sign_out(&client).await;

    // The parent sees both outcomes.
    parent_sign_in(&client, &base).await;
    client
        .goto(&format!("{base}/parent/children/{amy}"))
        .await
        .unwrap();
    let page = page_with(&client, "Granted").await;
    assert!(page.contains("Accepted"), "{page}");
    assert!(page.contains("Granted for the funeral"), "{page}");

    served.stop().await;
}

pub async fn reset_a_password_and_choose_a_new_one(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    let served = Served::start(&app.state).await;
    let (base, client) = (served.base.clone(), served.client.clone());

    // The head resets the officer's password; the page shows the temporary one once.
    sign_in(&client, &base, "head").await;
    client
        .goto(&format!("{base}/s/{}/staff", f.school))
        .await
        .unwrap();
    page_with(&client, "Lisa Craven").await;
    let reset = format!(
        "form[action='/s/{}/staff/{}/reset-password'] button",
        f.school, f.officer
    );
    click_to_page(&client, &reset, "temporary password is").await;
    let temporary = client
        .find(Locator::Css(".notice strong.mono"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    sign_out(&client).await;

    // The officer signs in with it and must choose her own before anything else opens.
    sign_in_with(&client, &base, "officer", &temporary).await;
    page_with(&client, "Your password was reset").await;
    let chosen = "tulip orbit canal frost";
    type_into(&client, "input[name=current]", &temporary).await;
    type_into(&client, "input[name=new]", chosen).await;
    type_into(&client, "input[name=confirm]", chosen).await;
    click_to_page(
        &client,
        "form[action='/account/password'] button",
        "changed",
    )
    .await;
    client.goto(&format!("{base}/")).await.unwrap();
    page_with(&client, "Absent with no reason").await;
    sign_out(&client).await;
    sign_in_with(&client, &base, "officer", chosen).await;
    page_with(&client, "Absent with no reason").await;

    served.stop().await;
}

/// The office admits a pupil who starts next week, with their mother; the index shows them as
/// prospective and their class's register as `Z`.
pub async fn admit_a_pupil(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    let served = Served::start(&app.state).await;
    let (base, client) = (served.base.clone(), served.client.clone());
    sign_in(&client, &base, "officer").await;
    click_to_page(&client, "nav a[href$='/admissions']", "Admission register").await;
    click_to_page(&client, "a[href$='/admissions/new']", "Admit a pupil").await;
    for (field, value) in [
        ("upn", "X801200005006"),
        ("legal_surname", "Fox"),
        ("legal_forename", "Finn"),
        ("year_group", "5"),
        ("address", "4 Church Lane, Woburn"),
        ("last_school", "Eversholt Lower School"),
        ("parent_name", "Fiona Fox"),
        ("parent_relationship", "Mother"),
        ("parent_phone", "07700 900123"),
    ] {
        type_into(&client, &format!("#admit-{field}"), value).await;
    }
    set_value(&client, "#admit-date_of_birth", "2015-05-01").await;
    set_value(&client, "#admit-entry_date", "2025-09-15").await;
    set_value(&client, "#admit-sex", "M").await;
    set_value(&client, "#admit-reg_group", "5A").await;
    let entry = click_to_page(
        &client,
        "form[action$='/admissions/new'] button",
        "Prospective: starts Mon 15 Sep 2025",
    )
    .await;
    assert!(entry.contains("Fiona Fox"), "{entry}");
    assert!(entry.contains("Eversholt Lower School"), "{entry}");
    client
        .goto(&format!(
            "{base}/s/{}/registers/{}/2025-09-10/am",
            f.school, f.group
        ))
        .await
        .unwrap();
    let register = page_with(&client, "Joining soon").await;
    assert!(register.contains("Finn Fox Z"), "{register}");
    served.stop().await;
}
