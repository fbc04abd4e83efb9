//! Every page a person uses, checked with axe-core (WCAG 2.2 AA) in Chromium, signed in as each
//! role and signed out; and the register taken with the keyboard alone.
//!
//! `axe.min.js` is axe-core 4.14.1 from npm (Mozilla Public License 2.0, its notice kept).

use std::collections::BTreeSet;

use fantoccini::Client;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use rollcall_testkit::Backend;
use rollcall_testkit::fixture::SCHOOL_DAY;

use super::driver::{Served, page_with, parent_sign_in, sign_in, sign_out};
use super::register::teacher_opens_5a_morning;
use crate::support::TestApp;

const AXE: &str = include_str!("axe.min.js");

/// The WCAG 2.2 AA violations axe-core finds on the page open in the browser, each named with
/// the page: none, if all is well.
async fn violations(client: &Client, what: &str) -> Vec<String> {
    client.execute(AXE, vec![]).await.unwrap();
    let run = "const done = arguments[arguments.length - 1];\
        axe.run(document, { runOnly: { type: 'tag', values:\
            ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })\
          .then(r => done(r.violations.map(v => ({ id: v.id, help: v.help,\
              nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }))))\
          .catch(e => done('axe failed: ' + e));";
    let found = client.execute_async(run, vec![]).await.unwrap();
    let url = client.current_url().await.unwrap();
    match found.as_array() {
        Some(list) => list
            .iter()
            .map(|v| format!("{what} ({}): {v}", url.path()))
            .collect(),
        None => vec![format!("{what}: {found}")],
    }
}

/// The links of the page's main navigation, as paths.
async fn nav_links(client: &Client) -> Vec<String> {
    let links = client
        .execute(
            "return [...document.querySelectorAll('header nav a[href]')]\
                .map(a => new URL(a.href).pathname + new URL(a.href).search);",
            vec![],
        )
        .await
        .unwrap();
    links
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l.as_str().map(str::to_owned))
        .collect()
}

/// Visits `path` and checks it.
async fn check(client: &Client, base: &str, path: &str, who: &str) -> Vec<String> {
    client.goto(&format!("{base}{path}")).await.unwrap();
    page_with(client, "").await;
    let failed = "return [...document.querySelectorAll('p.muted')]\
        .some(p => /^Error [0-9]{3}$/.test(p.textContent.trim()))";
    if client.execute(failed, vec![]).await.unwrap() == serde_json::json!(true) {
        return vec![format!("{path} as {who}: answered with an error page")];
    }
    violations(client, &format!("{path} as {who}")).await
}

pub async fn every_page_is_accessible_to_each_role(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    app.parent_signs_in(f.pupils[0]).await;
    // This morning's register, and the school's attendance bands, for the Analysis pages'
    // coloured cells.
    app.teacher_takes_5a(["present", "N", "I"]).await;
    let banded = format!(
        "{}\n[[procedures.bands]]\nname = \"Green\"\nsource = \"test\"\n\n[[procedures.bands]]\nname = \"Amber\"\nbelow = 96\nsource = \"test\"\n\n[[procedures.bands]]\nname = \"Red\"\nat_or_below = 90\nsource = \"test\"\n",
        rollcall_testkit::fixture::POLICY
    );
    app.store.set_policy(f.school, &banded).await.unwrap();
    // A pupil starting today, whose new-pupil return is due.
    crate::returns::admit_finn(&app, SCHOOL_DAY).await;
    let new_pupil_return = format!(
        "/s/{}/returns/due/new_pupil:X801200005006@{SCHOOL_DAY}",
        f.school
    );
    // A parent's change of details waits on the Parents page.
    let parent = app
        .store
        .parent_by_email("parent.of.amy@example.org")
        .await
        .unwrap()
        .unwrap();
    let details = rollcall_store::NewDetails {
        phone: Some("07700 900888".into()),
        ..Default::default()
    };
    let asked = jiff::civil::date(2025, 9, 10).at(8, 0, 0, 0);
    app.store
        .ask_details_change(f.school, parent.id, &details, asked)
        .await
        .unwrap();
    // A year at an earlier school, from its transfer file, on the pupil's page.
    let ben = app.store.pupil(f.pupils[1]).await.unwrap().pupil;
    let nobody = rollcall_core::Roll::new(Vec::new()).unwrap();
    let earlier = rollcall_store::ImportDetails {
        history: vec![(
            ben.upn,
            rollcall_core::history::YearAttendance {
                year: rollcall_core::AcademicYear(2024),
                school: rollcall_core::LaEstab::parse("802/4000").unwrap(),
                school_name: "Riverside Primary".into(),
                possible: 380,
                attended: 361,
                authorised: 12,
                unauthorised: 7,
                sessions: None,
            },
        )],
        ..Default::default()
    };
    app.store
        .import(
            &f.school.into(),
            &rollcall_core::RegisterBuilder::new(&nobody).finish(nobody),
            &earlier,
            &rollcall_store::Actor {
                user: None,
                name: "Tina Shaw".into(),
                position: "Data manager".into(),
            },
            crate::support::at(jiff::civil::Time::constant(8, 0, 0, 0)),
            &|_| {},
        )
        .await
        .unwrap();
    // Ben's home school, on his admission entry and the Home schools page.
    app.store
        .set_home_link(
            f.pupils[1],
            &rollcall_core::admission::home::HomeLink {
                school: "Kings Academy".into(),
                la_estab: rollcall_core::LaEstab::parse("801/4100").ok(),
                lead: "Ann Lee".into(),
                email: Some("a.lee@kings.example".into()),
                phone: None,
            },
            &rollcall_store::Actor {
                user: None,
                name: "Tina Shaw".into(),
                position: "Data manager".into(),
            },
            asked,
        )
        .await
        .unwrap();
    // A trust's director and a local-authority officer, each with a role at the school.
    for (username, role) in [
        ("director", rollcall_core::Role::TrustDirector),
        ("la", rollcall_core::Role::LocalAuthorityOfficer),
    ] {
        let user = app
            .store
            .create_user(&rollcall_store::NewUser {
                username: username.into(),
                name: format!("{username} person"),
                position: role.title().into(),
                password_hash: Some(crate::support::password_hash().await),
            })
            .await
            .unwrap();
        app.store.grant_role(user, f.school, role).await.unwrap();
    }
    let served = Served::start(&app.state).await;
    let (base, client) = (served.base.clone(), served.client.clone());

    let mut found = Vec::new();
    let mut checked = 0;
    for path in ["/login", "/parent/login"] {
        found.extend(check(&client, &base, path, "nobody signed in").await);
        checked += 1;
    }
    let school = f.school;
    let register = format!("/s/{school}/registers/{}/{SCHOOL_DAY}/am", f.group);
    let pupil = format!("/s/{school}/pupils/{}", f.pupils[1]);
    let admission = format!("/s/{school}/admissions/{}", f.pupils[1]);
    for (username, deeper) in [
        (
            "teacher",
            vec![
                register.clone(),
                pupil.clone(),
                format!("/s/{school}/classes/{}", f.group),
            ],
        ),
        (
            "officer",
            vec![
                register.clone(),
                pupil.clone(),
                format!("/s/{school}/letters/batches?kind=certificates&period=this_half"),
                format!("/s/{school}/admissions/new"),
                admission.clone(),
                format!("/s/{school}/pupils/{}/contacts", f.pupils[1]),
                new_pupil_return.clone(),
                format!("/s/{school}/returns/census"),
                format!("/s/{school}/transfers"),
                format!("/s/{school}/home-schools?date={SCHOOL_DAY}"),
            ],
        ),
        (
            "director",
            vec!["/compare".to_owned(), "/compare/groups".to_owned()],
        ),
        ("la", vec![format!("/s/{school}/returns/made")]),
        (
            "head",
            vec![
                pupil.clone(),
                format!("/s/{school}/access-log?pupil={}", f.pupils[1]),
                admission.clone(),
                format!("/s/{school}/analytics?period=week&cut=reg_group"),
                format!("/s/{school}/analytics/pupils?period=week&cut=reg_group&cohort=5A"),
                format!("/s/{school}/qa?period=term"),
                format!("/s/{school}/meetings"),
            ],
        ),
    ] {
        sign_in(&client, &base, username).await;
        let mut seen = BTreeSet::new();
        let first = client.current_url().await.unwrap();
        let mut paths = vec![format!(
            "{}{}",
            first.path(),
            first.query().map_or(String::new(), |q| format!("?{q}"))
        )];
        paths.extend(nav_links(&client).await);
        paths.extend(deeper);
        for path in paths {
            if seen.insert(path.clone()) {
                found.extend(check(&client, &base, &path, username).await);
                checked += 1;
            }
        }
        client.goto(first.as_str()).await.unwrap();
        page_with(&client, "").await;
        sign_out(&client).await;
    }

    // A form refused: its summary, and each message beside its field.
    sign_in(&client, &base, "officer").await;
    client.goto(&format!("{base}{pupil}")).await.unwrap();
    page_with(&client, "Record a meeting").await;
    let without_a_time = "document.querySelector('#meeting-held_at').value = ''; \
        document.querySelector('#add-meeting form').submit();";
    client.execute(without_a_time, vec![]).await.unwrap();
    page_with(&client, "There is a problem").await;
    found.extend(violations(&client, "a refused meeting form").await);
    // An admission refused: the summary links to each field.
    client
        .goto(&format!("{base}/s/{school}/admissions/new"))
        .await
        .unwrap();
    page_with(&client, "Admit a pupil").await;
    let admit_nothing = "document.querySelector('#admit-upn').form.submit();";
    client.execute(admit_nothing, vec![]).await.unwrap();
    page_with(&client, "There is a problem").await;
    found.extend(violations(&client, "a refused admission").await);
    // A transfer file not chosen: refused, the message beside the file field.
    client
        .goto(&format!("{base}/s/{school}/transfers"))
        .await
        .unwrap();
    page_with(&client, "Common transfer files").await;
    let take_in_nothing = "document.querySelector('#ctf-file').form.submit();";
    client.execute(take_in_nothing, vec![]).await.unwrap();
    page_with(&client, "Choose the CTF file").await;
    found.extend(violations(&client, "a refused transfer file").await);
    // A letter's preview, before anything is printed.
    client.goto(&format!("{base}{pupil}")).await.unwrap();
    page_with(&client, "Print a letter").await;
    let preview = "document.querySelector('#print-letter summary').click(); \
        document.querySelector('#print-letter button[formaction]').click();";
    client.execute(preview, vec![]).await.unwrap();
    page_with(&client, "Nothing has been printed or kept yet.").await;
    found.extend(violations(&client, "a letter's preview").await);
    sign_out(&client).await;
    // A deletion refused, as the head sees it.
    sign_in(&client, &base, "head").await;
    client.goto(&format!("{base}{admission}")).await.unwrap();
    page_with(&client, "Delete on a ground of regulation 9").await;
    let delete_unconfirmed = "document.querySelector('#delete-ground').form.submit();";
    client.execute(delete_unconfirmed, vec![]).await.unwrap();
    page_with(&client, "There is a problem").await;
    found.extend(violations(&client, "a refused deletion").await);
    sign_out(&client).await;

    parent_sign_in(&client, &base).await;
    found.extend(violations(&client, "the parent's home").await);
    let child = format!("/parent/children/{}", f.pupils[0]);
    found.extend(check(&client, &base, &child, "a parent").await);
    let without_a_day = "document.querySelector('#report-first').value = ''; \
        document.querySelector('#report-first').form.submit();";
    client.execute(without_a_day, vec![]).await.unwrap();
    page_with(&client, "There is a problem").await;
    found.extend(violations(&client, "a parent's refused report").await);
    checked += 7;
    served.stop().await;
    assert!(found.is_empty(), "{}", found.join("\n"));
    // Each role's pages, the register and the pupil page among them, and nobody's, and the
    // parent's: a crawl that shrank would no longer check every page.
    assert!(checked >= 30, "only {checked} pages checked");
}

const TAB: char = '\u{e004}';
const ENTER: char = '\u{e007}';

/// Presses and releases one key, where the focus is.
async fn press(client: &Client, key: char) {
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    client.perform_actions(keys).await.unwrap();
}

/// The register taken with the keyboard alone: Tab to the button that marks everyone present,
/// Space, then Tab on to Submit and Enter.
pub async fn the_register_by_keyboard(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    let served = Served::start(&app.state).await;
    let (base, client) = (served.base.clone(), served.client.clone());
    teacher_opens_5a_morning(&client, &base, &f).await;
    // Tab until the focus is on the button, counting the presses.
    let focused = "return document.activeElement ? (document.activeElement.id || \
        document.activeElement.textContent.trim()) : ''";
    let mut presses = 0;
    while client.execute(focused, vec![]).await.unwrap() != serde_json::json!("all-present") {
        press(&client, TAB).await;
        presses += 1;
        assert!(presses < 40, "Tab never reached the button");
    }
    press(&client, ' ').await;
    while client.execute(focused, vec![]).await.unwrap() != serde_json::json!("Submit register") {
        press(&client, TAB).await;
        presses += 1;
        assert!(presses < 80, "Tab never reached Submit");
    }
    press(&client, ENTER).await;
    page_with(&client, "Saved at 08:50 — 3 present, 0 absent, 0 late").await;
    served.stop().await;
}
