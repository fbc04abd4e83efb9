use axum::http::StatusCode;
use rollcall_testkit::Backend;
use rollcall_testkit::fixture::POLICY;

use crate::casework::cara_absent_since_monday;
use crate::support::{Reply, TestApp};

/// The fixture's policy with seed 001's second stage (§6c) and its penalty procedure (§7),
/// stages applying from the second possible session so that a week's marks can reach them.
pub fn policy_with_stages() -> String {
    format!(
        "{POLICY}
[procedures]
minimum_sessions = 2

[[procedures.stages]]
id = \"facilitate\"
name = \"Facilitate and formalise targeted support\"
below = 90
steps = [
  {{ id = \"letter_2\", kind = \"letter\", what = \"Letter 2\", who = \"Attendance officer\", within_days = 5 }},
  {{ id = \"asm\", kind = \"meeting\", what = \"Attendance support meeting\", who = \"Attendance officer\", within_days = 10 }},
  {{ id = \"atsp\", kind = \"plan\", what = \"Attendance targeted support plan\", who = \"Attendance officer\", within_days = 10 }},
]
source = \"Seed 001 §6c: below 90% → letter 2, an attendance support meeting and an ATSP\"

[procedures.penalty]
notice_to_improve_weeks = 4
who = \"Headteacher\"
source = \"Seed 001 §7: a notice to improve first, then a penalty notice\"
"
    )
}

/// Cara has missed every morning this week and Ben today's: both have fallen below 90%.
/// Posts `body` to `path` and checks it is refused (422) with `words`.
async fn refused(app: &TestApp, path: &str, cookie: &str, body: &str, words: &str) {
    let reply = app.post_form(path, Some(cookie), body).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        reply.text().contains(words),
        "{words:?} in {}",
        reply.text()
    );
}

pub async fn cara_and_ben_have_fallen(app: &TestApp) {
    app.store
        .set_policy(app.fixture.school, &policy_with_stages())
        .await
        .unwrap();
    cara_absent_since_monday(app).await;
    let reply = app.teacher_takes_5a(["present", "N", "N"]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
}

/// The worklist items a page offers, by the step they are for.
fn item(page: &Reply, step: &str) -> Option<String> {
    let start = page.body.find(&format!("data-item=\"{step}@"))? + "data-item=\"".len();
    let end = page.body[start..].find('"')? + start;
    Some(page.body[start..end].to_owned())
}

pub fn form(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

pub async fn from_letter_to_plan(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let (s, cara, ben, amy) = (f.school, f.pupils[2], f.pupils[1], f.pupils[0]);
    cara_and_ben_have_fallen(&app).await;
    let officer = app.sign_in("officer").await;
    let page_path = format!("/s/{s}/pupils/{cara}");

    // The pupil page shows the stage and the letter due, with a form to print it.
    let page = app.get(&page_path, Some(&officer)).await;
    let text = page.text();
    assert!(
        text.contains("Attendance 0.00%, below 90% → Letter 2, Attendance support meeting and Attendance targeted support plan"),
        "{text}"
    );
    let letter_2 = item(&page, "stage.facilitate.letter_2").expect("letter 2 is due");
    assert!(text.contains("Print the letter (PDF)"), "{text}");

    // A notice to improve cannot be printed before one is recorded.
    let letters = format!("{page_path}/letters");
    refused(
        &app,
        &letters,
        &officer,
        "template=notice_to_improve",
        "Record the notice to improve in Cara Cole's case file first",
    )
    .await;

    // Letter 2 gives the meeting's date and time, so it is not printed without them.
    refused(
        &app,
        &letters,
        &officer,
        &form(&[("template", "letter_2"), ("item", &letter_2)]),
        "Low attendance letter 2 (attendance support meeting) needs the meeting's date",
    )
    .await;
    // Nor at a time that is no time of day.
    let at_no_time = form(&[
        ("template", "letter_2"),
        ("item", &letter_2),
        ("meeting_date", "2025-09-16"),
        ("meeting_time", "25:99"),
    ]);
    refused(
        &app,
        &letters,
        &officer,
        &at_no_time,
        "The meeting's time must be a real time of day, like 09:30 (not &#34;25:99&#34;)",
    )
    .await;
    // The pupil page again, the letter form open as it was filled in.
    let again = app.post_form(&letters, Some(&officer), &at_no_time).await;
    assert!(
        again.body.contains("<details id=\"print-letter\" open>"),
        "{}",
        again.body
    );
    assert!(again.body.contains("name=\"meeting_time\" value=\"25:99\""));
    assert!(again.body.contains("<a href=\"#letter-meeting_time\">"));

    let letter_2_form = form(&[
        ("template", "letter_2"),
        ("item", &letter_2),
        ("meeting_date", "2025-09-16"),
        ("meeting_time", "09:30"),
    ]);
    // A preview shows what the family will read, and keeps nothing.
    let preview = app
        .post_form(
            &format!("{letters}/preview"),
            Some(&officer),
            &letter_2_form,
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    for words in [
        "Nothing has been printed or kept yet.",
        "Dear Parent of Cara,",
        "We have made an appointment for Tuesday 16 September 2025 at 09:30",
    ] {
        assert!(
            preview.text().contains(words),
            "{words:?} in {}",
            preview.text()
        );
    }
    assert!(app.store.letters(cara).await.unwrap().is_empty());
    let opened = app
        .store
        .access_log(rollcall_store::AccessOf::Pupil(cara), 100)
        .await
        .unwrap();
    assert!(
        opened.iter().any(|o| o.detail.as_deref()
            == Some("Low attendance letter 2 (attendance support meeting), previewed")),
        "{opened:?}"
    );

    // Printing letter 2 gives one page to the contact flagged for correspondence, with the
    // meeting's date and Cara's figures; the worklist item stays until it is sent.
    let printed = app
        .post_form(&letters, Some(&officer), &letter_2_form)
        .await;
    assert_eq!(printed.status, StatusCode::OK, "{}", printed.text());
    let pdf = printed.pdf();
    assert_eq!(pdf.pages, 1, "{}", pdf.text);
    for words in [
        "Parent of Cara",
        "Dear Parent of Cara,",
        "It has dropped to 0.00%, which means Cara has now missed 3 sessions",
        "We have made an appointment for Tuesday 16 September 2025 at 09:30",
        "Lisa Craven Attendance officer",
        "Fixture Primary",
    ] {
        assert!(pdf.text.contains(words), "{words:?} in {}", pdf.text);
    }
    let page = app.get(&page_path, Some(&officer)).await;
    let text = page.text();
    assert_eq!(
        item(&page, "stage.facilitate.letter_2"),
        Some(letter_2.clone()),
        "{text}"
    );
    assert!(
        text.contains("Printed Wed 10 Sep 2025, not yet recorded as sent."),
        "{text}"
    );
    assert!(
        text.contains("Letter printed Parent of Cara Low attendance letter 2 (attendance support meeting): Re: Low attendance letter 2"),
        "the chronology has the letter: {text}"
    );
    let letters = app.store.letters(cara).await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].sent, None);
    // Recorded as posted, it completes the step; taken back at once, the step is due again;
    // recorded again, it is done.
    let sent = format!("/s/{}/letters/{}/sent", f.school, letters[0].id);
    let posted = app
        .post_in_place(&sent, &officer, &format!("how=posted&back={page_path}"))
        .await;
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.text());
    assert!(
        posted
            .text()
            .contains("Posted Wed 10 Sep 2025 by Lisa Craven, Attendance officer. Undo"),
        "{}",
        posted.text()
    );
    let page = app.get(&page_path, Some(&officer)).await;
    assert_eq!(
        item(&page, "stage.facilitate.letter_2"),
        None,
        "{}",
        page.text()
    );
    let head = app.sign_in("head").await;
    let not_hers = app.post_in_place(&sent, &head, "how=undone").await;
    assert!(
        not_hers.text().contains("Only your own recording"),
        "{}",
        not_hers.text()
    );
    let undone = app.post_in_place(&sent, &officer, "how=undone").await;
    assert!(undone.text().contains("Not yet sent."), "{}", undone.text());
    let page = app.get(&page_path, Some(&officer)).await;
    assert_eq!(
        item(&page, "stage.facilitate.letter_2"),
        Some(letter_2.clone())
    );
    let handed = app
        .post_form(
            &sent,
            Some(&officer),
            &format!("how=handed_over&back={page_path}"),
        )
        .await;
    assert_eq!(handed.status, StatusCode::SEE_OTHER, "{}", handed.text());
    let twice = app.post_in_place(&sent, &officer, "how=posted").await;
    assert!(
        twice
            .text()
            .contains("already recorded as sent: handed over Wed 10 Sep 2025"),
        "{}",
        twice.text()
    );
    let page = app.get(&page_path, Some(&officer)).await;
    assert_eq!(item(&page, "stage.facilitate.letter_2"), None);
    let letters = app.store.letters(cara).await.unwrap();
    assert_eq!(
        letters[0].sent.as_ref().map(|s| s.how),
        Some(rollcall_core::delivery::Delivery::HandedOver)
    );
    assert_eq!(letters[0].recipient, "Parent of Cara");
    assert_eq!(letters[0].by, "Lisa Craven, Attendance officer");

    // Printed again, it is the letter as sent, whatever has happened since.
    let again = app
        .get(
            &format!("/s/{s}/letters/{}/pdf", letters[0].id),
            Some(&officer),
        )
        .await
        .pdf();
    assert_eq!(again.text, pdf.text);

    // The parent sees the letter in the portal; another family cannot reach it.
    let parent = app.parent_signs_in(cara).await;
    let portal = app
        .get(&format!("/parent/children/{cara}"), Some(&parent))
        .await
        .text();
    assert!(portal.contains("Letters from the school"), "{portal}");
    assert!(portal.contains("Re: Low attendance letter 2"), "{portal}");
    let theirs = app
        .get(
            &format!("/parent/children/{cara}/letters/{}", letters[0].id),
            Some(&parent),
        )
        .await
        .pdf();
    assert_eq!(theirs.text, pdf.text);
    let amys_parent = app.parent_signs_in(amy).await;
    let refused = app
        .get(
            &format!("/parent/children/{amy}/letters/{}", letters[0].id),
            Some(&amys_parent),
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);

    // The meeting, with what everyone said and the actions agreed, completes its item.
    let asm = item(&page, "stage.facilitate.asm").expect("the meeting is due");
    // A meeting form with mistakes is the page again: each field's message beside it, every
    // message in a summary linking to its field, the form open and what was typed kept.
    let mistaken = app
        .post_form(
            &format!("{page_path}/case/meeting"),
            Some(&officer),
            &form(&[
                ("meeting_kind", "attendance_support"),
                ("item", &asm),
                ("held_on", "2025-09-16"),
                ("held_at", "25:99"),
                ("attendees", ""),
                ("barriers_parent", "Mornings are hard with the baby"),
                ("actions", "Morning check-in | Lisa Craven | next week"),
            ]),
        )
        .await;
    assert_eq!(mistaken.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = &mistaken.body;
    for (field, message) in [
        (
            "held_at",
            "The meeting&#39;s time must be a real time of day, like 09:30 (not &#34;25:99&#34;).",
        ),
        (
            "actions",
            "Agreed actions, line 1: the date must be a real date, written like 2026-11-19 (not &#34;next week&#34;).",
        ),
    ] {
        assert!(
            body.contains(&format!("<a href=\"#meeting-{field}\">{message}</a>")),
            "{field} in the summary: {body}"
        );
        assert!(
            body.contains(&format!("id=\"meeting-{field}-error\"")),
            "{field}: {body}"
        );
    }
    assert!(body.contains("<details id=\"add-meeting\" open>"), "{body}");
    assert!(body.contains("name=\"held_at\" value=\"25:99\""), "{body}");
    assert!(
        body.contains(">Mornings are hard with the baby</textarea>"),
        "{body}"
    );
    assert!(
        body.contains(&format!("<option value=\"{asm}\" selected>")),
        "{body}"
    );
    assert_eq!(app.store.case_file(cara).await.unwrap().len(), 0);
    let met = app
        .post_form(
            &format!("{page_path}/case/meeting"),
            Some(&officer),
            &form(&[
                ("meeting_kind", "attendance_support"),
                ("item", &asm),
                ("held_on", "2025-09-16"),
                ("held_at", "09:30"),
                ("attendees", "Parent of Cara\nLisa Craven"),
                ("apologies", "Tom Teach"),
                ("barriers_parent", "Mornings are hard with the baby"),
                ("barriers_child", "I am tired"),
                ("actions", "Morning check-in | Lisa Craven | 2025-09-17"),
                ("next_review", "2025-10-14"),
            ]),
        )
        .await;
    assert_eq!(met.status, StatusCode::SEE_OTHER, "{}", met.text());

    // A plan longer than a year is refused, naming the rule, and stores nothing.
    let atsp = item(&page, "stage.facilitate.atsp").expect("the plan is due");
    let mut plan = vec![
        ("plan_kind", "targeted_support"),
        ("item", atsp.as_str()),
        ("starts", "2025-09-16"),
        ("target_percent", "95"),
        ("target_per_week", "9 of 10 sessions"),
        ("months", "13"),
        ("reviews", "2025-10-14\n2025-11-18"),
        (
            "interventions",
            "Breakfast club | A calm start and a hot breakfast",
        ),
    ];
    let refused = app
        .post_form(
            &format!("{page_path}/case/plan"),
            Some(&officer),
            &form(&plan),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text()
    );
    assert!(
        refused.text().contains("3 to 12 months"),
        "{}",
        refused.text()
    );
    assert_eq!(app.store.case_file(cara).await.unwrap().len(), 1);
    plan[5] = ("months", "3");
    let agreed = app
        .post_form(
            &format!("{page_path}/case/plan"),
            Some(&officer),
            &form(&plan),
        )
        .await;
    assert_eq!(agreed.status, StatusCode::SEE_OTHER, "{}", agreed.text());

    // The worklist moves on by itself: the stage's steps are done, and the meeting's action and
    // the plan's review come due on their dates.
    let page = app.get(&page_path, Some(&officer)).await;
    let text = page.text();
    for step in ["stage.facilitate.asm", "stage.facilitate.atsp"] {
        assert_eq!(item(&page, step), None, "{step}: {text}");
    }
    assert!(text.contains("Attendance support meeting"), "{text}");
    assert!(text.contains("Mornings are hard with the baby"), "{text}");
    assert!(text.contains("Breakfast club"), "{text}");
    app.clock.set(
        jiff::civil::date(2025, 9, 17)
            .at(10, 0, 0, 0)
            .in_tz("Europe/London")
            .unwrap()
            .timestamp(),
    );
    let officer = app.sign_in("officer").await;
    let page = app.get(&page_path, Some(&officer)).await;
    assert!(
        item(&page, "meeting.action").is_some(),
        "the agreed action is due: {}",
        page.text()
    );

    // Ben's letter 2 is on the batch page; printed there, it is one PDF and his item is done.
    let batch = app.get(&format!("/s/{s}/letters"), Some(&officer)).await;
    let text = batch.text();
    assert!(
        text.contains("Low attendance letter 2 (attendance support meeting) (1)"),
        "{text}"
    );
    assert!(text.contains("Ben Baker"), "{text}");
    let ben_item = {
        let start = batch.body.find(&format!("value=\"{ben}:")).unwrap() + "value=\"".len();
        let end = batch.body[start..].find('"').unwrap() + start;
        batch.body[start..end].to_owned()
    };
    let printed = app
        .post_form(
            &format!("/s/{s}/letters"),
            Some(&officer),
            &form(&[
                ("template", "letter_2"),
                ("item", &ben_item),
                ("meeting_date", "2025-09-18"),
                ("meeting_time", "15:30"),
            ]),
        )
        .await
        .pdf();
    assert_eq!(printed.pages, 1);
    assert!(
        printed.text.contains("Dear Mr and Mrs Baker,"),
        "{}",
        printed.text
    );
    // Printed, Ben's letter waits to be recorded as sent; once posted, nothing is due.
    let batch = app.get(&format!("/s/{s}/letters"), Some(&officer)).await;
    assert!(
        batch.text().contains("Printed, not yet sent (1)"),
        "{}",
        batch.text()
    );
    let ben_letter = app.store.letters(ben).await.unwrap()[0].id;
    let posted = app
        .post_form(
            &format!("/s/{s}/letters/sent"),
            Some(&officer),
            &format!("letter={ben_letter}&how=posted"),
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.text());
    let batch = app.get(&format!("/s/{s}/letters"), Some(&officer)).await;
    assert!(
        batch.text().contains("No letters are due."),
        "{}",
        batch.text()
    );

    // The evidence pack: the attendance record, the case file, the letters and the chronology.
    let pack = app
        .get(&format!("{page_path}/evidence.pdf"), Some(&officer))
        .await
        .pdf();
    assert!(pack.pages >= 3, "{}", pack.text);
    for words in [
        "Evidence pack: Cara Cole",
        "Attendance record",
        "Attendance support meeting",
        "Attendance targeted support plan",
        "Letters sent",
        "We have made an appointment for Tuesday 16 September 2025 at 09:30",
        "Chronology",
    ] {
        assert!(pack.text.contains(words), "{words:?} in {}", pack.text);
    }

    // Ben's teacher may not print letters or keep the case file.
    let teacher = app.sign_in("teacher").await;
    let refused = app
        .post_form(
            &format!("/s/{s}/pupils/{ben}/letters"),
            Some(&teacher),
            "template=letter_1",
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

/// National Framework for Penalty Notices 2024: a second within three years is £160, a third
/// cannot be issued; a withdrawn notice does not count.
pub async fn the_third_penalty_notice_is_refused(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let (s, cara) = (f.school, f.pupils[2]);
    let head = app.sign_in("head").await;
    let path = format!("/s/{s}/pupils/{cara}/case/penalty_notice");
    let notice = |issued: &str, first: &str| {
        form(&[
            ("parent", "Parent of Cara"),
            ("issued", issued),
            ("first", first),
            ("last", first),
        ])
    };
    for (issued, day) in [("2025-09-03", "2025-09-02"), ("2025-09-09", "2025-09-08")] {
        let reply = app
            .post_form(&path, Some(&head), &notice(issued, day))
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    }
    let page = app
        .get(&format!("/s/{s}/pupils/{cara}"), Some(&head))
        .await
        .text();
    assert!(
        page.contains("Parent of Cara: no further penalty notice may be issued before 3 Sep 2028"),
        "{page}"
    );
    let refused = app
        .post_form(&path, Some(&head), &notice("2025-09-10", "2025-09-09"))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .contains("Parent of Cara has had two penalty notices for this child since"),
        "{}",
        refused.text()
    );
    assert_eq!(app.store.case_file(cara).await.unwrap().len(), 2);

    // Withdrawn, the second no longer counts, and a second may be issued again.
    let second = app.store.case_file(cara).await.unwrap()[1].id;
    let withdrawn = app
        .post_form(
            &format!("/s/{s}/pupils/{cara}/case-file/{second}"),
            Some(&head),
            "action=withdrawn&on=2025-09-10&text=Issued+in+error",
        )
        .await;
    assert_eq!(
        withdrawn.status,
        StatusCode::SEE_OTHER,
        "{}",
        withdrawn.text()
    );
    let page = app
        .get(&format!("/s/{s}/pupils/{cara}"), Some(&head))
        .await
        .text();
    assert!(
        page.contains("Parent of Cara: a further notice would be a second within three years of"),
        "{page}"
    );
    let issued = app
        .post_form(&path, Some(&head), &notice("2025-09-10", "2025-09-09"))
        .await;
    assert_eq!(issued.status, StatusCode::SEE_OTHER, "{}", issued.text());
}
