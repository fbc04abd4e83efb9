use axum::http::StatusCode;
use rollcall_testkit::Backend;
use rollcall_testkit::fixture::SCHOOL_DAY;
use serde_json::json;

use crate::support::{Reply, TestApp};

// The admission register, contacts, parents' details and returns.
mod registers;

/// What a request comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Done, or shown.
    Ok,
    /// Sent to sign in (pages) or 401 (API).
    SignIn,
    /// 403: in the school, but the role does not allow it.
    Forbidden,
    /// 404: not in the caller's school.
    NotFound,
    /// 422: allowed, and the (deliberately incomplete) form or body was refused field by field,
    /// having changed nothing.
    Invalid,
}

use Outcome::*;

fn outcome(reply: &Reply) -> Outcome {
    match reply.status {
        StatusCode::UNAUTHORIZED => SignIn,
        StatusCode::FORBIDDEN => Forbidden,
        StatusCode::NOT_FOUND => NotFound,
        StatusCode::UNPROCESSABLE_ENTITY => Invalid,
        StatusCode::SEE_OTHER if reply.location.as_deref() == Some("/login") => SignIn,
        s if s.is_success() || s.is_redirection() => Ok,
        other => panic!("unexpected {other}: {}", reply.body),
    }
}

/// The people who ask: nobody signed in, 5A's teacher, 5B's teacher, the officer, the head, and
/// another school's officer.
const ACTORS: [&str; 6] = ["", "teacher", "teacher2", "officer", "head", "officer2"];

pub async fn every_role_against_every_route(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let (s, other) = (f.school, f.other_school);
    let (a, b, stranger) = (f.pupils[0], f.other_pupils[0], f.stranger);
    let day = SCHOOL_DAY;
    let full_register = app.register_form(["present", "present", "present"]);
    let amend = format!("date={day}&session=am&code=I&reason=reason_established&note=Phoned");
    let note = "kind=note&note=Spoke+to+mother".to_owned();
    let flag = format!("flag=social_worker&from={day}&note=LA");
    let referral = format!("to=early_help&made={day}&reason=Housing");
    let bulk = format!(
        "group={}&first={day}&last={day}&sessions=pm&code=V&reason=Trip",
        f.other_group
    );

    // (method, path, form body, outcome for each actor in ACTORS order)
    let mut pages: Vec<(&str, String, String, [Outcome; 6])> = vec![
        (
            "GET",
            format!("/s/{s}"),
            String::new(),
            [SignIn, Ok, Ok, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/registers"),
            String::new(),
            [SignIn, Ok, Ok, Ok, Ok, NotFound],
        ),
        (
            "GET",
            app.register_path(f.group.0),
            String::new(),
            [SignIn, Ok, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "POST",
            app.register_path(f.group.0),
            full_register.clone(),
            [SignIn, Ok, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            app.register_path(f.other_group.0),
            String::new(),
            [SignIn, Forbidden, Ok, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/office"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/office/missing"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/office/items?kind=stages&from=10"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/letters/batches?kind=certificates&period=this_half"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/board"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/office/bulk"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "POST",
            format!("/s/{s}/office/bulk"),
            bulk.clone(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/pupils"),
            String::new(),
            [SignIn, Ok, Ok, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/pupils/{a}"),
            String::new(),
            [SignIn, Ok, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/pupils/{b}"),
            String::new(),
            [SignIn, Forbidden, Ok, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/pupils/{stranger}"),
            String::new(),
            [SignIn, NotFound, NotFound, NotFound, NotFound, NotFound],
        ),
        (
            "GET",
            format!("/s/{other}/pupils/{stranger}"),
            String::new(),
            [SignIn, NotFound, NotFound, NotFound, NotFound, Ok],
        ),
        (
            "POST",
            format!("/s/{s}/pupils/{a}/marks"),
            amend.clone(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "POST",
            format!("/s/{other}/pupils/{stranger}/marks"),
            amend.clone(),
            [SignIn, NotFound, NotFound, NotFound, NotFound, Ok],
        ),
        (
            "POST",
            format!("/s/{s}/pupils/{a}/casework"),
            note.clone(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "POST",
            format!("/s/{other}/pupils/{stranger}/casework"),
            note.clone(),
            [SignIn, NotFound, NotFound, NotFound, NotFound, Ok],
        ),
        (
            "POST",
            format!("/s/{s}/pupils/{a}/flags"),
            flag.clone(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "POST",
            format!("/s/{s}/pupils/{a}/case/referral"),
            referral.clone(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "POST",
            format!("/s/{other}/pupils/{stranger}/case/referral"),
            referral.clone(),
            [SignIn, NotFound, NotFound, NotFound, NotFound, Ok],
        ),
        (
            "POST",
            format!("/s/{s}/pupils/{a}/letters"),
            "template=letter_1".into(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/pupils/{a}/evidence.pdf"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/letters"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/letters/1/pdf"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{other}/letters/1/pdf"),
            String::new(),
            [SignIn, NotFound, NotFound, NotFound, NotFound, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/staff"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Forbidden, Ok, NotFound],
        ),
        (
            "POST",
            format!("/s/{s}/staff/{}/enable", f.other_teacher),
            String::new(),
            [SignIn, Forbidden, Forbidden, Forbidden, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/access-log?pupil={a}"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Forbidden, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/pupils/{a}/subject-access.json"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Forbidden, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/pupils/{a}/subject-access.pdf"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Forbidden, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/access-log?user={}", f.teacher),
            String::new(),
            [SignIn, Forbidden, Forbidden, Forbidden, Ok, NotFound],
        ),
        (
            "GET",
            "/account".to_owned(),
            String::new(),
            [SignIn, Ok, Ok, Ok, Ok, Ok],
        ),
    ];
    pages.extend(registers::pages(&app).await);
    let mut cookies = vec![None];
    for actor in &ACTORS[1..] {
        cookies.push(Some(app.sign_in(actor).await));
    }
    let mut failures = Vec::new();
    for (method, path, body, expected) in &pages {
        for ((actor, cookie), want) in ACTORS.iter().zip(&cookies).zip(expected) {
            let reply = match *method {
                "GET" => app.get(path, cookie.as_deref()).await,
                _ => app.post_form(path, cookie.as_deref(), body).await,
            };
            let got = outcome(&reply);
            if got != *want {
                failures.push(format!(
                    "{method} {path} as {actor:?}: expected {want:?}, got {got:?}"
                ));
            }
        }
    }

    let register = format!("/api/v1/schools/{s}/registers/{}/{day}/AM", f.group);
    // Amy's morning was changed to I by the office above; the API re-takes the register as is.
    let register_body = json!({"marks": [
        {"pupil": f.pupils[0].0, "mark": "I"},
        {"pupil": f.pupils[1].0, "mark": "present"},
        {"pupil": f.pupils[2].0, "mark": "present"},
    ]});
    let change = json!({"date": day.to_string(), "session": "AM", "code": "I", "reason": "reason_established", "note": "Phoned"});
    let bulk_body = json!({"group": f.other_group.0, "first": day.to_string(), "last": day.to_string(), "sessions": "pm", "code": "V", "reason": "Trip"});
    let mut api: Vec<(&str, String, Option<serde_json::Value>, [Outcome; 6])> = vec![
        (
            "GET",
            "/api/v1/me".into(),
            None,
            [SignIn, Ok, Ok, Ok, Ok, Ok],
        ),
        (
            "GET",
            format!("/api/v1/schools/{s}/groups"),
            None,
            [SignIn, Ok, Ok, Ok, Ok, NotFound],
        ),
        (
            "GET",
            register.clone(),
            None,
            [SignIn, Ok, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "PUT",
            register.clone(),
            Some(register_body),
            [SignIn, Ok, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/api/v1/schools/{s}/pupils/{a}"),
            None,
            [SignIn, Ok, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/api/v1/schools/{s}/pupils/{b}"),
            None,
            [SignIn, Forbidden, Ok, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/api/v1/schools/{s}/pupils/{stranger}"),
            None,
            [SignIn, NotFound, NotFound, NotFound, NotFound, NotFound],
        ),
        (
            "GET",
            format!("/api/v1/schools/{other}/pupils/{stranger}"),
            None,
            [SignIn, NotFound, NotFound, NotFound, NotFound, Ok],
        ),
        (
            "GET",
            format!("/api/v1/schools/{s}/pupils/{a}/marks"),
            None,
            [SignIn, Ok, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/api/v1/schools/{s}/pupils/{a}/ledger"),
            None,
            [SignIn, Ok, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "POST",
            format!("/api/v1/schools/{s}/pupils/{a}/marks"),
            Some(change),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "POST",
            format!("/api/v1/schools/{s}/bulk-codes"),
            Some(bulk_body),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/api/v1/schools/{s}/days/{day}/missing-registers"),
            None,
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/api/v1/schools/{s}/days/{day}/absences"),
            None,
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
    ];
    api.extend(registers::api(&app).await);
    let mut tokens = vec![None];
    for actor in &ACTORS[1..] {
        tokens.push(Some(app.token(actor).await));
    }
    for (method, path, body, expected) in &api {
        for ((actor, token), want) in ACTORS.iter().zip(&tokens).zip(expected) {
            let reply = app.api(method, path, token.as_deref(), body.clone()).await;
            let got = outcome(&reply);
            if got != *want {
                failures.push(format!(
                    "API {method} {path} as {actor:?}: expected {want:?}, got {got:?} ({})",
                    reply.body
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // A trust's director, the local authority's officer and a governor, each with a role at the
    // school only: its figures, never a pupil, never a change; the other school not at all.
    let hash = crate::support::password_hash().await;
    for (username, role) in [
        ("director", rollcall_core::Role::TrustDirector),
        ("la", rollcall_core::Role::LocalAuthorityOfficer),
        ("governor", rollcall_core::Role::Governor),
    ] {
        let user = app
            .store
            .create_user(&rollcall_store::NewUser {
                username: username.into(),
                name: username.into(),
                position: role.title().into(),
                password_hash: Some(hash.clone()),
            })
            .await
            .unwrap();
        app.store.grant_role(user, s, role).await.unwrap();
        let cookie = app.sign_in(username).await;
        let token = app.token(username).await;
        let allowed = |path: &str| {
            let path = path.split('?').next().unwrap_or(path);
            path == format!("/s/{s}")
                || path == "/account"
                || path == "/api/v1/me"
                || (path.starts_with(&format!("/s/{s}/analytics"))
                    && !path.starts_with(&format!("/s/{s}/analytics/pupils")))
                || path == format!("/s/{s}/board")
                || path == format!("/api/v1/schools/{s}/analytics/cohorts")
                || path == format!("/api/v1/schools/{s}/analytics")
                || (role == rollcall_core::Role::LocalAuthorityOfficer
                    && path.starts_with(&format!("/s/{s}/returns/made")))
                || (role != rollcall_core::Role::Governor
                    && (path == "/compare"
                        || path == "/compare/groups"
                        || path == "/api/v1/compare"
                        || path == "/api/v1/compare/groups"))
                || (role == rollcall_core::Role::TrustDirector && path == "/compare/targets")
        };
        for (method, path, body, _) in &pages {
            let reply = match *method {
                "GET" => app.get(path, Some(&cookie)).await,
                _ => app.post_form(path, Some(&cookie), body).await,
            };
            let got = outcome(&reply);
            let fine = if allowed(path) {
                matches!(got, Ok | NotFound)
            } else {
                matches!(got, Forbidden | NotFound)
            };
            if !fine {
                failures.push(format!("{method} {path} as {username}: got {got:?}"));
            }
        }
        for (method, path, body, _) in &api {
            let reply = app.api(method, path, Some(&token), body.clone()).await;
            let got = outcome(&reply);
            let fine = if allowed(path) {
                got == Ok
            } else {
                matches!(got, Forbidden | NotFound)
            };
            if !fine {
                failures.push(format!("API {method} {path} as {username}: got {got:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // What was refused changed nothing: Amy's morning was amended once, by the office, and the
    // other school's pupil once, by its own officer.
    let ledger = app.store.ledger(a).await.unwrap();
    assert_eq!(ledger.len(), 1, "{ledger:?}");
    assert_eq!(ledger[0].by_name, "Lisa Craven");
    assert_eq!(app.store.ledger(stranger).await.unwrap().len(), 1);
}
