use axum::http::StatusCode;
use jiff::civil::Time;
use rollcall_testkit::Backend;
use rollcall_testkit::fixture::SCHOOL_DAY;
use serde_json::json;

use crate::support::{TestApp, at};

pub async fn register_through_the_api(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let token = app.token("teacher").await;
    let me = app.api("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["roles"][0]["role"], "teacher");
    let path = format!(
        "/api/v1/schools/{}/registers/{}/{SCHOOL_DAY}/AM",
        f.school, f.group
    );
    let sheet = app.api("GET", &path, Some(&token), None).await.json();
    assert_eq!(sheet["group"]["name"], "5A");
    assert_eq!(sheet["pupils"].as_array().unwrap().len(), 3);
    assert!(sheet["taken"].is_null());
    app.clock.set(at(Time::constant(9, 5, 0, 0)));
    let body = json!({
        "marks": [
            {"pupil": f.pupils[0].0, "mark": "present"},
            {"pupil": f.pupils[1].0, "mark": "late", "late_at": "08:55"},
            {"pupil": f.pupils[2].0, "mark": "I"},
        ]
    });
    let reply = app
        .api("PUT", &path, Some(&token), Some(body.clone()))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.json(),
        json!({"inserted": 3, "confirmed": 0, "unchanged": 0, "amended": 0})
    );
    let sheet = app.api("GET", &path, Some(&token), None).await.json();
    assert_eq!(sheet["pupils"][1]["mark"]["code"], "L");
    assert_eq!(sheet["pupils"][1]["mark"]["minutes_late"], 10);
    assert_eq!(sheet["taken"]["by"], "Tom Teach");
    // A change without a reason is refused with the reason to give.
    let mut changed = body.clone();
    changed["marks"][2]["mark"] = json!("M");
    let refused = app
        .api("PUT", &path, Some(&token), Some(changed.clone()))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.json()["error"]
            .as_str()
            .unwrap()
            .contains("give the reason")
    );
    changed["reason"] = json!("marked_in_error");
    changed["note"] = json!("Dentist, not illness");
    let saved = app.api("PUT", &path, Some(&token), Some(changed)).await;
    assert_eq!(saved.json()["amended"], 1);
    // Unknown codes and sessions are refused plainly.
    let mut bad = body.clone();
    bad["marks"][0]["mark"] = json!("H1");
    let refused = app.api("PUT", &path, Some(&token), Some(bad)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.json()["error"]
            .as_str()
            .unwrap()
            .contains("\"H1\" is not an attendance code")
    );
}

pub async fn amendments_ledger_and_lists_through_the_api(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let teacher = app.token("teacher").await;
    let officer = app.token("officer").await;
    let path = format!(
        "/api/v1/schools/{}/registers/{}/{SCHOOL_DAY}/AM",
        f.school, f.group
    );
    let marks = json!({"marks": [
        {"pupil": f.pupils[0].0, "mark": "present"},
        {"pupil": f.pupils[1].0, "mark": "N"},
        {"pupil": f.pupils[2].0, "mark": "present"},
    ]});
    app.api("PUT", &path, Some(&teacher), Some(marks)).await;
    app.clock.set(at(Time::constant(9, 30, 0, 0)));
    let school = f.school;
    let absences = app
        .api(
            "GET",
            &format!("/api/v1/schools/{school}/days/{SCHOOL_DAY}/absences"),
            Some(&officer),
            None,
        )
        .await;
    let absences = absences.json();
    assert_eq!(absences.as_array().unwrap().len(), 1);
    assert_eq!(absences[0]["name"], "Ben Baker");
    assert_eq!(absences[0]["contacts"][0]["phones"][0], "07700 900001");
    let missing = app
        .api(
            "GET",
            &format!("/api/v1/schools/{school}/days/{SCHOOL_DAY}/missing-registers"),
            Some(&officer),
            None,
        )
        .await;
    assert_eq!(
        missing.json(),
        json!([{"group": f.other_group.0, "group_name": "5B", "date": "2025-09-10", "session": "AM", "pupils": 2, "closed_at": "09:15"}])
    );
    let ben = f.pupils[1];
    let change = json!({"date": "2025-09-10", "session": "AM", "code": "I", "reason": "reason_established", "note": "Father phoned"});
    let reply = app
        .api(
            "POST",
            &format!("/api/v1/schools/{school}/pupils/{ben}/marks"),
            Some(&officer),
            Some(change),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    let ledger = app
        .api(
            "GET",
            &format!("/api/v1/schools/{school}/pupils/{ben}/ledger"),
            Some(&officer),
            None,
        )
        .await
        .json();
    assert_eq!(ledger[0]["original"], "N");
    assert_eq!(ledger[0]["new"], "I");
    assert_eq!(ledger[0]["by_position"], "Attendance officer");
    assert_eq!(ledger[0]["hash"].as_str().unwrap().len(), 64);
    let pupil = app
        .api(
            "GET",
            &format!("/api/v1/schools/{school}/pupils/{ben}"),
            Some(&officer),
            None,
        )
        .await
        .json();
    assert_eq!(pupil["statistics"]["possible"], 1);
    assert_eq!(pupil["statistics"]["authorised"], 1);
    let pupil_marks = app
        .api(
            "GET",
            &format!("/api/v1/schools/{school}/pupils/{ben}/marks?from=2025-09-01"),
            Some(&officer),
            None,
        )
        .await
        .json();
    assert_eq!(pupil_marks[0]["code"], "I");
    assert_eq!(pupil_marks[0]["source"], "office");
    let bulk = json!({"group": f.other_group.0, "first": "2025-09-10", "last": "2025-09-10", "sessions": "both", "code": "Y4", "reason": "Boiler failure: site closed"});
    let reply = app
        .api(
            "POST",
            &format!("/api/v1/schools/{school}/bulk-codes"),
            Some(&officer),
            Some(bulk),
        )
        .await;
    assert_eq!(reply.json(), json!({"written": 4, "skipped": []}));
    assert_eq!(app.store.ledger(f.other_pupils[0]).await.unwrap().len(), 2);
}
