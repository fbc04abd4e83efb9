use axum::http::StatusCode;
use jiff::civil::{Time, date};
use rollcall_core::{Opened, Session};
use rollcall_store::{AccessOf, PupilKey};
use rollcall_testkit::Backend;
use rollcall_testkit::fixture::SCHOOL_DAY;
use serde_json::json;

use crate::support::{TestApp, at};

/// Finn Fox, admitted to 5A from Monday 15 September, with his mother.
fn admission_form() -> String {
    [
        ("upn", "X801200005006"),
        ("legal_surname", "Fox"),
        ("legal_forename", "Finn"),
        ("date_of_birth", "2015-05-01"),
        ("sex", "M"),
        ("year_group", "5"),
        ("reg_group", "5A"),
        ("entry_date", "2025-09-15"),
        ("sen", "N"),
        ("address", "4 Church Lane, Woburn MK17 9PX"),
        ("last_school", "Eversholt Lower School"),
        ("registration", "C"),
        ("parent_name", "Fiona Fox"),
        ("parent_relationship", "Mother"),
        ("parent_phone", "07700 900123"),
        ("parent_lives_with", "yes"),
        ("parent_responsibility", "yes"),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", v.replace(' ', "+")))
    .collect::<Vec<_>>()
    .join("&")
}

pub async fn admit_notify_and_delete_from_the_office(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let s = f.school;
    let officer = app.sign_in("officer").await;

    // A form missing the parent's phone and the address is shown again, each field named and
    // what was typed kept; nothing is admitted.
    let bad = admission_form()
        .replace("&parent_phone=07700+900123", "")
        .replace("4+Church+Lane,+Woburn+MK17+9PX", "");
    let reply = app
        .post_form(&format!("/s/{s}/admissions/new"), Some(&officer), &bad)
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = reply.text();
    assert!(text.contains("There is a problem"), "{text}");
    assert!(text.contains("Enter the pupil's home address"), "{text}");
    assert!(text.contains("telephone number for an emergency"), "{text}");
    assert!(
        reply.body.contains("value=\"Fox\""),
        "the typed surname is kept"
    );
    assert_eq!(app.store.pupils(s).await.unwrap().len(), 5);

    let reply = app
        .post_form(
            &format!("/s/{s}/admissions/new"),
            Some(&officer),
            &admission_form(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let entry_path = reply.location.unwrap();
    // Admitted twice: said beside the UPN.
    let twice = app
        .post_form(
            &format!("/s/{s}/admissions/new"),
            Some(&officer),
            &admission_form(),
        )
        .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        twice.text().contains("is already on the school"),
        "{}",
        twice.text()
    );
    let key = PupilKey(entry_path.rsplit('/').next().unwrap().parse().unwrap());

    // Prospective until Monday: in the index as such, and on 5A's register as Z, not a row.
    let index = app
        .get(&format!("/s/{s}/admissions"), Some(&officer))
        .await
        .text();
    assert!(index.contains("Fox, Finn"), "{index}");
    assert!(
        index.contains("Prospective: starts Mon 15 Sep 2025"),
        "{index}"
    );
    let register = app.get(&app.register_path(f.group.0), Some(&officer)).await;
    assert!(
        register.text().contains("Finn Fox Z · starts"),
        "{}",
        register.text()
    );
    assert_eq!(app.sheet_5a(Session::Am).await.rows.len(), 3);

    // The entry page is an opening of the pupil's records, and shows the entry.
    let page = app.get(&entry_path, Some(&officer)).await.text();
    assert!(page.contains("Eversholt Lower School"), "{page}");
    assert!(page.contains("Fiona Fox"), "{page}");
    let log = app
        .store
        .access_log(AccessOf::Pupil(key), 10)
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|l| l.opened == Opened::AdmissionEntry && l.by_name == "Lisa Craven"),
        "{log:?}"
    );

    // A leaving form: a new school, recorded as a new version with who and when.
    app.clock.set(at(Time::constant(9, 30, 0, 0)));
    let reply = app
        .post_form(
            &format!("{entry_path}/entry"),
            Some(&officer),
            "change=notified&next_school=Harlington+Upper+School&next_school_address=Harlington&next_school_from=2025-11-17",
        )
        .await;
    assert_eq!(
        reply.location.as_deref(),
        Some(entry_path.as_str()),
        "{}",
        reply.text()
    );
    let history = app.store.entry_history(key).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].by, "Lisa Craven, Attendance officer");
    assert_eq!(
        history[1].entry.next_school.as_ref().unwrap().name,
        "Harlington Upper School"
    );
    // An empty leaving form records nothing.
    let reply = app
        .post_form(
            &format!("{entry_path}/entry"),
            Some(&officer),
            "change=notified",
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.store.entry_history(key).await.unwrap().len(), 2);

    // Only a senior leader deletes; unconfirmed and without the other school it is refused,
    // each field named.
    let head = app.sign_in("head").await;
    let reply = app
        .post_form(
            &format!("{entry_path}/deletion"),
            Some(&head),
            "ground=a&leaving_date=2025-11-14&evidence_date=2025-11-17",
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = reply.text();
    assert!(text.contains("Name the other school"), "{text}");
    assert!(
        text.contains("Confirm that the conditions of regulation 9(1)(a) hold"),
        "{text}"
    );
    assert_eq!(app.store.pupil(key).await.unwrap().pupil.leaving_date, None);
    let reply = app
        .post_form(
            &format!("{entry_path}/deletion"),
            Some(&head),
            "ground=a&leaving_date=2025-11-14&evidence_date=2025-11-17&other_school=Harlington+Upper+School&confirmed=yes",
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let page = app.get(&entry_path, Some(&head)).await.text();
    assert!(
        page.contains("Left Fri 14 Nov 2025 · regulation 9(1)(a)"),
        "{page}"
    );
    // The record stays: in the index as left.
    let left = app
        .get(&format!("/s/{s}/admissions?show=all"), Some(&head))
        .await
        .text();
    assert!(left.contains("Fox, Finn"), "{left}");
    let day_after = app
        .store
        .pupils_of_group(f.group, date(2025, 11, 17))
        .await
        .unwrap();
    assert!(day_after.iter().all(|p| p.key != key));
}

pub async fn the_api_keeps_the_admission_register(backend: Backend) {
    let app = TestApp::new(backend).await;
    let s = app.fixture.school;
    let officer = app.token("officer").await;
    let head = app.token("head").await;
    let body = json!({
        "upn": "X801200005006", "legal_surname": "Fox", "legal_forename": "Finn",
        "date_of_birth": "2015-05-01", "sex": "M", "year_group": "5", "reg_group": "5A",
        "starting_day": SCHOOL_DAY.to_string(),
        "entry": {"address": "4 Church Lane", "registration": "S", "other_school": "Ridgeway AP"},
        "parents": [{"name": "Fiona Fox", "phone": "07700 900123", "lives_with_pupil": true,
                     "parental_responsibility": true}]
    });
    // Every field that is wrong is named.
    let mut bad = body.clone();
    bad["upn"] = json!("X801200005007");
    bad["entry"]["registration"] = json!("M");
    bad["entry"]["other_school"] = json!(null);
    let reply = app
        .api(
            "POST",
            &format!("/api/v1/schools/{s}/admissions"),
            Some(&officer),
            Some(bad),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = reply.json()["error"].as_str().unwrap().to_owned();
    assert!(error.contains("upn: "), "{error}");
    assert!(error.contains("check letter"), "{error}");
    let reply = app
        .api(
            "POST",
            &format!("/api/v1/schools/{s}/admissions"),
            Some(&officer),
            Some(bad_entry(&body)),
        )
        .await;
    assert!(
        reply.json()["error"]
            .as_str()
            .unwrap()
            .contains("other_school: Name the other school"),
        "{}",
        reply.body
    );

    let reply = app
        .api(
            "POST",
            &format!("/api/v1/schools/{s}/admissions"),
            Some(&officer),
            Some(body.clone()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.json()["id"].as_i64().unwrap();
    let again = app
        .api(
            "POST",
            &format!("/api/v1/schools/{s}/admissions"),
            Some(&officer),
            Some(body),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);

    let index = app
        .api(
            "GET",
            &format!("/api/v1/schools/{s}/admissions"),
            Some(&officer),
            None,
        )
        .await
        .json();
    let names: Vec<&str> = index
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["legal_surname"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "the index is alphabetical");
    let line = index
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == id)
        .unwrap();
    assert_eq!(line["registration"], "S");

    // Under (i) the register must show 20 school days of G/N/O: Finn has none.
    let deletion = json!({"ground": "i", "leaving_date": "2025-09-12", "confirmed": true,
        "enquiries": "With the LA's CME officer"});
    let reply = app
        .api(
            "POST",
            &format!("/api/v1/schools/{s}/admissions/{id}/deletion"),
            Some(&head),
            Some(deletion),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = reply.json()["error"].as_str().unwrap().to_owned();
    assert!(
        error.contains("ground: The register shows 0 school days"),
        "{error}"
    );
    // Under (c), a dual registration ended with the other school's consent.
    let deletion = json!({"ground": "c", "leaving_date": "2025-09-12", "confirmed": true,
        "other_school": "Ridgeway AP", "evidence_date": SCHOOL_DAY.to_string()});
    let reply = app
        .api(
            "POST",
            &format!("/api/v1/schools/{s}/admissions/{id}/deletion"),
            Some(&head),
            Some(deletion),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    let entry = app
        .api(
            "GET",
            &format!("/api/v1/schools/{s}/admissions/{id}"),
            Some(&officer),
            None,
        )
        .await
        .json();
    assert_eq!(entry["deletions"][0]["ground"], "c");
    assert_eq!(entry["history"][0]["change"], "admitted");
    assert_eq!(entry["entry"]["other_school"], "Ridgeway AP");
    assert_eq!(
        app.store.deletions(PupilKey(id)).await.unwrap()[0].by,
        "June Turner, Headteacher"
    );
}

fn bad_entry(body: &serde_json::Value) -> serde_json::Value {
    let mut bad = body.clone();
    bad["entry"]["other_school"] = json!(null);
    bad
}

pub async fn contacts_are_kept_and_parents_ask_for_changes(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let (s, amy) = (f.school, f.pupils[0]);
    let officer = app.sign_in("officer").await;
    let mother = app.store.contacts(amy).await.unwrap()[0].clone();
    let path = format!("/s/{s}/pupils/{}/contacts/{}", amy.0, mother.id.0);

    // A bad email is refused beside its field; what was typed stays.
    let reply = app
        .post_form(
            &path,
            Some(&officer),
            "name=Parent+of+Amy&relationship=Mother&priority=1&phones=07700+900777&email=amy-at-home",
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .text()
            .contains("amy-at-home&#34; is not an email address"),
        "{}",
        reply.text()
    );
    assert!(
        reply.body.contains("07700 900777"),
        "the typed number is kept"
    );
    let reply = app
        .post_form(
            &path,
            Some(&officer),
            "name=Parent+of+Amy&relationship=Mother&priority=1&phones=07700+900777&email=amy.parent%40example.org&parental_responsibility=yes&lives_with_pupil=yes&correspondence=yes",
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let page = app
        .get(&format!("/s/{s}/pupils/{}/contacts", amy.0), Some(&officer))
        .await
        .text();
    assert!(page.contains("Edited"), "{page}");
    assert!(page.contains("Lisa Craven, Attendance officer"), "{page}");
    // The pupil page leads there.
    let pupil_page = app
        .get(&format!("/s/{s}/pupils/{}", amy.0), Some(&officer))
        .await
        .text();
    assert!(
        pupil_page.contains("Add, edit or end contacts"),
        "{pupil_page}"
    );

    // The parent asks from the portal; nothing changes until the office confirms.
    let parent = app.parent_signs_in(amy).await;
    let home = app.get("/parent", Some(&parent)).await.text();
    assert!(home.contains("07700 900777"), "{home}");
    let empty = app
        .post_form("/parent/details", Some(&parent), "phone=")
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty
            .text()
            .contains("Enter the telephone number, email or address to change")
    );
    let asked = app
        .post_form("/parent/details", Some(&parent), "phone=07700+900888")
        .await;
    assert_eq!(
        asked.location.as_deref(),
        Some("/parent#my-details"),
        "{}",
        asked.text()
    );
    assert!(
        app.get("/parent", Some(&parent))
            .await
            .text()
            .contains("Waiting for the school")
    );
    assert_eq!(
        app.store.contacts(amy).await.unwrap()[0].contact.phones[0],
        "07700 900777"
    );

    let requests = app
        .get(&format!("/s/{s}/requests"), Some(&officer))
        .await
        .text();
    assert!(requests.contains("Changes of details (1)"), "{requests}");
    let id = app.store.details_requests(s).await.unwrap()[0].id;
    let reply = app
        .post_form(
            &format!("/s/{s}/requests/details/{id}"),
            Some(&officer),
            "decision=confirm",
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let now = app.store.contacts(amy).await.unwrap()[0].contact.clone();
    assert_eq!(now.phones, ["07700 900888", "07700 900777"]);
    assert!(
        app.get("/parent", Some(&parent))
            .await
            .text()
            .contains("Changed")
    );
    // Through the API, the history shows each change and who made it.
    let token = app.token("officer").await;
    let held = app
        .api(
            "GET",
            &format!("/api/v1/schools/{s}/pupils/{}/contacts", amy.0),
            Some(&token),
            None,
        )
        .await
        .json();
    let changes: Vec<&str> = held["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["change"].as_str().unwrap())
        .collect();
    assert_eq!(changes, ["edited", "parent_asked"]);
}
