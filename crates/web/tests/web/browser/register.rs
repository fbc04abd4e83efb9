//! The register on a tablet: a class taken in a few taps with the tally in view, and a
//! register taken with the Wi-Fi down, kept on the tablet and sent once when it returns.

use fantoccini::Locator;
use jiff::civil::Time;
use rollcall_core::{Code, Session, SessionKey, Upn};
use rollcall_store::{Amendment, MarkSource, PlannedMark, PupilKey};
use rollcall_testkit::Backend;
use rollcall_testkit::fixture::{SCHOOL_DAY, pupil};

use super::driver::{
    Served, click, click_to_page, page_with, set_offline, sign_in, sign_out, type_into,
};
use crate::support::{TestApp, at};

pub async fn take_a_register_and_amend_a_mark(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    let served = Served::start(&app.state).await;
    let (base, client) = (served.base.clone(), served.client.clone());

    // The teacher takes 5A's morning register: all present but Ben, who is absent.
    sign_in(&client, &base, "teacher").await;
    page_with(&client, "Registers for Wednesday 10 September 2025").await;
    let register = format!(
        "a[href='/s/{}/registers/{}/2025-09-10/am']",
        f.school, f.group
    );
    let link = client.find(Locator::Css(&register)).await.unwrap();
    assert!(link.text().await.unwrap().contains("To take: closes 09:15"));
    click_to_page(&client, &register, "5A — Morning register").await;
    // Nothing is marked yet, so no button looks chosen: a Present label and its face are
    // uncoloured until it is tapped.
    let colours = "return [...document.querySelectorAll('label.tap.present, label.tap.present span')]\
        .map(e => getComputedStyle(e).backgroundColor);";
    let unmarked = client.execute(colours, vec![]).await.unwrap();
    let transparent = serde_json::json!("rgba(0, 0, 0, 0)");
    assert!(
        unmarked
            .as_array()
            .unwrap()
            .iter()
            .all(|c| *c == transparent),
        "{unmarked}"
    );
    click(&client, "#all-present").await;
    let marked = client.execute(colours, vec![]).await.unwrap();
    assert!(
        marked.as_array().unwrap().iter().any(|c| *c != transparent),
        "{marked}"
    );
    // A chosen button's text keeps WCAG AA contrast (4.5:1) with its colour.
    let contrast = client
        .execute(
            "const face = document.querySelector('label.tap.present input:checked + span');\
             const s = getComputedStyle(face);\
             const lum = c => { const [r, g, b] = c.match(/\\d+/g).slice(0, 3).map(v => v / 255)\
                 .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);\
                 return 0.2126 * r + 0.7152 * g + 0.0722 * b; };\
             const [a, b] = [lum(s.color), lum(s.backgroundColor)].sort((x, y) => y - x);\
             return (a + 0.05) / (b + 0.05);",
            vec![],
        )
        .await
        .unwrap();
    assert!(contrast.as_f64().unwrap() >= 4.5, "contrast {contrast}");
    let ben = f.pupils[1];
    click(&client, &format!("li[data-pupil='{ben}'] label.absent")).await;
    let saved = click_to_page(&client, "button.primary", "Saved at 08:50").await;
    assert!(
        saved.contains("Saved at 08:50 — 2 present, 1 absent, 0 late"),
        "{saved}"
    );

    // Re-taking it: Cara went home ill, which is a change and needs a reason.
    assert!(
        saved.contains("A change to a mark now is an amendment"),
        "{saved}"
    );
    let cara = f.pupils[2];
    click(
        &client,
        &format!("select[name='other_{cara}'] option[value='I']"),
    )
    .await;
    click(&client, "select[name=reason] option[value=arrived_late]").await;
    type_into(&client, "input[name=note]", "Sent home ill at 9.00").await;
    click_to_page(&client, "button.primary", "Taken at 08:50 by Tom Teach").await;
    client
        .goto(&format!("{base}/s/{}/pupils/{cara}", f.school))
        .await
        .unwrap();
    let page = page_with(&client, "Sent home ill at 9.00").await;
    assert!(page.contains("Tom Teach, Class teacher, 5A"), "{page}");
    sign_out(&client).await;

    // The officer sees Ben absent with his contacts, records the reason, and sees the ledger.
    sign_in(&client, &base, "officer").await;
    let today = page_with(&client, "Absent with no reason (1)").await;
    assert!(
        today.contains("Parent of Ben (Mother) 07700 900001"),
        "{today}"
    );
    let htmx: bool = client
        .execute("return typeof htmx === 'object';", vec![])
        .await
        .unwrap()
        .as_bool()
        .unwrap_or(false);
    assert!(htmx, "htmx loads from rollcall itself");
    click(&client, "form.quick select option[value='I']").await;
    type_into(&client, "form.quick input[name=note]", "Mother phoned: ill").await;
    click_to_page(&client, "form.quick button", "Absent with no reason (0)").await;
    client
        .goto(&format!("{base}/s/{}/pupils/{ben}", f.school))
        .await
        .unwrap();
    let page = page_with(&client, "Mother phoned: ill").await;
    assert!(page.contains("Lisa Craven, Attendance officer"), "{page}");
    let ledger = app.store.ledger(ben).await.unwrap();
    assert_eq!(ledger.len(), 1);
    sign_out(&client).await;

    served.stop().await;
}

/// The teacher signs in and opens 5A's morning register of the fixture's school day; its text.
pub(super) async fn teacher_opens_5a_morning(
    client: &fantoccini::Client,
    base: &str,
    f: &rollcall_testkit::fixture::Fixture,
) -> String {
    sign_in(client, base, "teacher").await;
    let path = format!("/s/{}/registers/{}/{SCHOOL_DAY}/am", f.school, f.group);
    client.goto(&format!("{base}{path}")).await.unwrap();
    page_with(client, "5A — Morning register").await
}

/// 5A grown to a class of thirty: the fixture's three and 27 more, by surname after them.
async fn class_of_thirty(app: &TestApp) -> Vec<PupilKey> {
    const SURNAMES: [&str; 27] = [
        "Dixon", "Doyle", "Ellis", "Evans", "Fisher", "Foster", "Gill", "Grant", "Hale", "Hughes",
        "Hussain", "Iqbal", "Jones", "Kaur", "Khan", "Lewis", "Mason", "Miah", "Nolan", "Owen",
        "Patel", "Quinn", "Reid", "Shah", "Turner", "Walsh", "Young",
    ];
    let f = &app.fixture;
    let mut class = f.pupils.clone();
    for (i, surname) in SURNAMES.iter().enumerate() {
        let upn = Upn::issue(&format!("80120000{:04}", 100 + i)).unwrap();
        let key = app
            .store
            .add_pupil(f.school, &pupil(upn.as_str(), surname, "Sam", "5A"))
            .await
            .unwrap();
        class.push(key);
    }
    class
}

pub async fn take_a_class_of_thirty(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    let class = class_of_thirty(&app).await;
    // Cara has a hospital appointment, entered in advance by the head.
    let am = SessionKey {
        date: SCHOOL_DAY,
        session: Session::Am,
    };
    let head = app.store.user(f.head).await.unwrap().actor();
    let plan = PlannedMark {
        pupil: class[2],
        key: am,
        code: Code::Medical,
        comment: Some("Hospital appointment".into()),
    };
    app.store
        .plan_marks(&[plan], &head, at(Time::constant(7, 0, 0, 0)))
        .await
        .unwrap();
    // Registration runs late this morning: the form is sent at 9.05½ by the server's clock,
    // and the late arrival tapped in the seconds before.
    app.clock.set(at(Time::constant(9, 5, 30, 0)));
    let served = Served::start(&app.state).await;
    let (base, client) = (served.base.clone(), served.client.clone());
    let page = teacher_opens_5a_morning(&client, &base, &f).await;
    // A first take, though Cara's leave is already on it: no reason asked for.
    assert!(page.contains("Submit register"), "{page}");
    assert!(!page.contains("Reason for the changes"), "{page}");
    let tally = || async {
        client
            .find(Locator::Css("#tally"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert_eq!(tally().await, "0 present · 1 absent · 0 late · 29 to mark");
    // Submit and the tally are in reach without scrolling, on a tablet's screen.
    let in_view = "const r = document.querySelector('#register button.primary')\
        .getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight;";
    assert_eq!(
        client.execute(in_view, vec![]).await.unwrap(),
        serde_json::json!(true)
    );

    // Every tap the teacher makes: all present, three absent, one late, submit.
    let mut taps = 0;
    click(&client, "#all-present").await;
    taps += 1;
    for absent in [class[0], class[1], class[17]] {
        click(&client, &format!("li[data-pupil='{absent}'] label.absent")).await;
        taps += 1;
    }
    click(
        &client,
        &format!("li[data-pupil='{}'] label.late", class[29]),
    )
    .await;
    taps += 1;
    assert_eq!(tally().await, "25 present · 4 absent · 1 late · 0 to mark");
    let saved = click_to_page(&client, "#register button.primary", "Saved at 09:05").await;
    taps += 1;
    assert!(taps <= 8, "{taps} taps");
    assert!(
        saved.contains("Saved at 09:05 — 25 present, 4 absent, 1 late"),
        "{saved}"
    );
    assert!(saved.contains("Taken at 09:05 by Tom Teach"), "{saved}");

    // What was saved: the late arrival timed by the server (twenty minutes after 8.45, though
    // the tablet's own clock says otherwise), Cara's leave as the head entered it.
    let sheet = app.sheet_5a(Session::Am).await;
    let mark = |key: PupilKey| {
        sheet
            .rows
            .iter()
            .find(|r| r.pupil.key == key)
            .and_then(|r| r.mark.clone())
            .unwrap()
    };
    for absent in [class[0], class[1], class[17]] {
        assert_eq!(mark(absent).code, Code::ReasonNotEstablished);
    }
    let late = mark(class[29]);
    assert_eq!((late.code, late.minutes_late), (Code::Late, Some(20)));
    assert_eq!(
        (mark(class[2]).code, mark(class[2]).source),
        (Code::Medical, MarkSource::Planned)
    );
    let present = sheet
        .rows
        .iter()
        .filter(|r| r.mark.as_ref().map(|m| m.code) == Some(Code::PresentAm))
        .count();
    assert_eq!(present, 25);
    served.stop().await;
}

/// How many registers wait on the tablet, not yet sent.
async fn unsent(client: &fantoccini::Client) -> u64 {
    let count = "return JSON.parse(localStorage.getItem('rollcall.unsent') || '[]').length";
    client
        .execute(count, vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap()
}

pub async fn a_register_taken_offline_is_sent_once(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    let served = Served::start(&app.state).await;
    let (base, client) = (served.base.clone(), served.client.clone());
    teacher_opens_5a_morning(&client, &base, &f).await;
    // The page's service worker takes charge and keeps the register on the tablet.
    let kept = "const done = arguments[0]; navigator.serviceWorker.getRegistration().then(r => \
        done(navigator.serviceWorker.controller !== null ? 'in charge' : JSON.stringify({\
            registered: r !== undefined, installing: r && r.installing && r.installing.state,\
            waiting: r && r.waiting && r.waiting.state, active: r && r.active && r.active.state})));";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let state = client.execute_async(kept, vec![]).await.unwrap();
        if state == serde_json::json!("in charge") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no service worker: {state}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let cached = "const done = arguments[0]; caches.open('rollcall-registers')\
        .then(c => c.match(location.href)).then(r => done(r !== undefined));";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while client.execute_async(cached, vec![]).await.unwrap() != serde_json::json!(true) {
        assert!(
            std::time::Instant::now() < deadline,
            "the register was never kept"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // The Wi-Fi goes. Meanwhile the office records that Ben's mother rang: he is ill.
    set_offline(&client, true).await;
    let officer = app.store.user(f.officer).await.unwrap().actor();
    let am = SessionKey {
        date: SCHOOL_DAY,
        session: Session::Am,
    };
    app.store
        .amend_marks(&[Amendment {
            pupil: f.pupils[1],
            key: am,
            code: Code::Illness,
            minutes_late: None,
            comment: None,
            reason: "Reason now known: mother rang".into(),
            seen: Some(0),
            actor: officer,
            at: at(Time::constant(8, 48, 0, 0)),
        }])
        .await
        .unwrap();
    // The register opens again from the tablet, as it was: Ben unmarked.
    client.refresh().await.unwrap();
    let page = page_with(&client, "5A — Morning register").await;
    assert!(
        page.contains("0 present · 0 absent · 0 late · 3 to mark"),
        "{page}"
    );
    let online = client
        .execute("return navigator.onLine", vec![])
        .await
        .unwrap();
    assert_eq!(online, serde_json::json!(false));

    // All present but Amy, absent; sent, and kept on the tablet.
    click(&client, "#all-present").await;
    click(
        &client,
        &format!("li[data-pupil='{}'] label.absent", f.pupils[0]),
    )
    .await;
    click(&client, "#register button.primary").await;
    page_with(&client, "Saved on this tablet, not yet sent").await;
    assert_eq!(unsent(&client).await, 1);
    let sheet = app.sheet_5a(Session::Am).await;
    assert!(sheet.taken.is_none(), "nothing reached the server");

    // The Wi-Fi returns: the register is sent by itself, and meets the office's mark for Ben,
    // which the teacher is shown rather than overwriting it.
    set_offline(&client, false).await;
    let conflict = page_with(&client, "while you had the register open").await;
    assert!(
        conflict.contains("Ben Baker: saved as I (Unable to attend because of illness"),
        "{conflict}"
    );
    assert!(
        conflict.contains("by Lisa Craven; yours present"),
        "{conflict}"
    );
    let sheet = app.sheet_5a(Session::Am).await;
    assert!(sheet.taken.is_none(), "the refused register wrote nothing");
    // The teacher takes the office's word for Ben and sends again.
    click(
        &client,
        &format!("select[name='other_{}'] option[value='I']", f.pupils[1]),
    )
    .await;
    let saved = click_to_page(&client, "#register button.primary", "Saved at 08:50").await;
    assert!(
        saved.contains("Saved at 08:50 — 1 present, 2 absent, 0 late"),
        "{saved}"
    );
    assert_eq!(unsent(&client).await, 0);
    // Saved once: one submission, each mark written once (its first version), Ben's as the
    // office left it, and the ledger explains every mark.
    let sheet = app.sheet_5a(Session::Am).await;
    let marks: Vec<(Code, u32)> = sheet
        .rows
        .iter()
        .map(|r| r.mark.as_ref().map(|m| (m.code, m.version)).unwrap())
        .collect();
    assert_eq!(
        marks,
        [
            (Code::ReasonNotEstablished, 1),
            (Code::Illness, 1),
            (Code::PresentAm, 1)
        ]
    );
    let submissions = app.store.submissions(f.school, SCHOOL_DAY).await.unwrap();
    assert_eq!(submissions.len(), 1);
    let check = app.store.verify_ledger(f.school).await.unwrap();
    assert!(check.intact(), "{check:?}");
    served.stop().await;
}
