//! Staff accounts: a reset password replaced at sign-in, accounts disabled and enabled, API
//! tokens' scope, expiry and revocation, and sessions that end when idle or everywhere.

use axum::http::StatusCode;
use jiff::SignedDuration;
use rollcall_core::TokenScope;
use rollcall_testkit::Backend;
use rollcall_testkit::fixture::SCHOOL_DAY;
use serde_json::json;

use crate::support::TestApp;

/// The temporary password the administrator's page shows once.
fn temporary_password(page: &str) -> String {
    page.split("<strong class=\"mono\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the page shows the temporary password")
        .to_owned()
}

fn sign_in_form(username: &str, password: &str) -> String {
    format!(
        "username={username}&password={}",
        password.replace(' ', "+")
    )
}

pub async fn a_reset_password_is_replaced_at_sign_in(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let school = f.school;
    let officer_before = app.sign_in("officer").await;
    let head = app.sign_in("head").await;
    let staff = app.get(&format!("/s/{school}/staff"), Some(&head)).await;
    assert_eq!(staff.status, StatusCode::OK, "{}", staff.text());
    assert!(staff.text().contains("Lisa Craven"), "{}", staff.text());
    let reset = app
        .post_form(
            &format!("/s/{school}/staff/{}/reset-password", f.officer),
            Some(&head),
            "",
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text());
    let temporary = temporary_password(&reset.body);
    assert_eq!(temporary.len(), 24, "{temporary}");
    // Her sessions ended; the old password no longer works; the temporary one signs in to a
    // page that asks for a new password, and nothing else opens until she has chosen one.
    let old = app
        .get(&format!("/s/{school}/office"), Some(&officer_before))
        .await;
    assert_eq!(old.location.as_deref(), Some("/login"));
    let wrong = app
        .post_form(
            "/login",
            None,
            &sign_in_form("officer", rollcall_testkit::fixture::PASSWORD),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let signed_in = app
        .post_form("/login", None, &sign_in_form("officer", &temporary))
        .await;
    assert_eq!(
        signed_in.location.as_deref(),
        Some("/account?temporary=true")
    );
    let cookie = signed_in.cookie.expect("a session");
    let office = app.get(&format!("/s/{school}/office"), Some(&cookie)).await;
    assert_eq!(office.location.as_deref(), Some("/account?temporary=true"));
    let account = app.get("/account?temporary=true", Some(&cookie)).await;
    assert!(
        account.text().contains("Your password was reset"),
        "{}",
        account.text()
    );
    // The policy refuses short, common and personal passwords, and says why.
    for (new, says) in [
        ("short", "at least 12 characters"),
        ("password1234", "quick to guess"),
        ("LisaCraven2026", "quick to guess"),
    ] {
        let body = format!("current={temporary}&new={new}&confirm={new}");
        let refused = app
            .post_form("/account/password", Some(&cookie), &body)
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{new}");
        assert!(refused.text().contains(says), "{new}: {}", refused.text());
    }
    let strong = "tulip+orbit+canal+frost";
    let changed = app
        .post_form(
            "/account/password",
            Some(&cookie),
            &format!("current={temporary}&new={strong}&confirm={strong}"),
        )
        .await;
    assert_eq!(changed.location.as_deref(), Some("/account?changed=true"));
    let cookie = changed.cookie.expect("a new session for this browser");
    let office = app.get(&format!("/s/{school}/office"), Some(&cookie)).await;
    assert_eq!(office.status, StatusCode::OK);
    // Only the administrator manages accounts, never their own, never another school's.
    let officer = app
        .post_form(
            "/login",
            None,
            &sign_in_form("officer", "tulip orbit canal frost"),
        )
        .await;
    let officer = officer.cookie.expect("signed in");
    let refused = app.get(&format!("/s/{school}/staff"), Some(&officer)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let own = app
        .post_form(
            &format!("/s/{school}/staff/{}/disable", f.head),
            Some(&head),
            "",
        )
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    let elsewhere = app
        .post_form(
            &format!("/s/{school}/staff/{}/disable", f.stranger_officer),
            Some(&head),
            "",
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
}

pub async fn disabled_accounts_and_their_tokens(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let school = f.school;
    let token = app.token("officer").await;
    let cookie = app.sign_in("officer").await;
    let head = app.sign_in("head").await;
    let disable = app
        .post_form(
            &format!("/s/{school}/staff/{}/disable", f.officer),
            Some(&head),
            "",
        )
        .await;
    assert_eq!(disable.status, StatusCode::SEE_OTHER);
    let staff = app.get(&format!("/s/{school}/staff"), Some(&head)).await;
    assert!(staff.text().contains("Disabled"), "{}", staff.text());
    // Her session, her token and her password all stop working; only someone who knows the
    // password is told the account is disabled.
    let page = app.get(&format!("/s/{school}/office"), Some(&cookie)).await;
    assert_eq!(page.location.as_deref(), Some("/login"));
    let api = app.api("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    let right = app
        .post_form(
            "/login",
            None,
            &sign_in_form("officer", rollcall_testkit::fixture::PASSWORD),
        )
        .await;
    assert_eq!(right.status, StatusCode::FORBIDDEN);
    assert!(
        right.text().contains("This account is disabled"),
        "{}",
        right.text()
    );
    let wrong = app
        .post_form("/login", None, "username=officer&password=guess")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    // Enabled again, she signs in and her token works.
    app.post_form(
        &format!("/s/{school}/staff/{}/enable", f.officer),
        Some(&head),
        "",
    )
    .await;
    app.sign_in("officer").await;
    let api = app.api("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
}

pub async fn tokens_expire_and_are_scoped_and_revoked(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let school = f.school;
    let (read_id, read) = app
        .token_with("officer", TokenScope::Read, SignedDuration::from_hours(24))
        .await;
    let path = format!(
        "/api/v1/schools/{school}/registers/{}/{SCHOOL_DAY}/AM",
        f.group
    );
    let marks = json!({"marks": f.pupils.iter().map(|p| json!({"pupil": p.0, "mark": "present"})).collect::<Vec<_>>()});
    // A read token reads, and may not write.
    let got = app.api("GET", &path, Some(&read), None).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    let put = app
        .api("PUT", &path, Some(&read), Some(marks.clone()))
        .await;
    assert_eq!(put.status, StatusCode::FORBIDDEN, "{}", put.body);
    assert!(put.json()["error"].as_str().unwrap().contains("read-only"));
    // A read-write one writes.
    let (write_id, write) = app
        .token_with(
            "officer",
            TokenScope::ReadWrite,
            SignedDuration::from_hours(48),
        )
        .await;
    let put = app.api("PUT", &path, Some(&write), Some(marks)).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    // The administrator's page lists both and revokes one.
    let head = app.sign_in("head").await;
    let staff = app.get(&format!("/s/{school}/staff"), Some(&head)).await;
    assert!(
        staff.text().contains(&format!("#{read_id}")),
        "{}",
        staff.text()
    );
    let revoke = app
        .post_form(
            &format!("/s/{school}/tokens/{write_id}/revoke"),
            Some(&head),
            "",
        )
        .await;
    assert_eq!(revoke.status, StatusCode::SEE_OTHER);
    let after = app.api("GET", "/api/v1/me", Some(&write), None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    let staff = app.get(&format!("/s/{school}/staff"), Some(&head)).await;
    assert!(staff.text().contains("Revoked"), "{}", staff.text());
    // Another school's administrator cannot see or revoke it.
    let (other_id, _) = app
        .token_with("officer2", TokenScope::Read, SignedDuration::from_hours(24))
        .await;
    let theirs = app
        .post_form(
            &format!("/s/{school}/tokens/{other_id}/revoke"),
            Some(&head),
            "",
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    // A token stops at its expiry.
    assert_eq!(
        app.api("GET", "/api/v1/me", Some(&read), None).await.status,
        StatusCode::OK
    );
    app.clock.advance(SignedDuration::from_hours(25));
    assert_eq!(
        app.api("GET", "/api/v1/me", Some(&read), None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

pub async fn sessions_end_when_idle_or_everywhere(backend: Backend) {
    let app = TestApp::new(backend).await;
    let office = format!("/s/{}/office", app.fixture.school);
    // In use, a session lasts past the idle limit...
    let cookie = app.sign_in("officer").await;
    for _ in 0..3 {
        app.clock.advance(SignedDuration::from_mins(45));
        let page = app.get(&office, Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
    }
    // ...and left alone for an hour, it ends.
    app.clock.advance(SignedDuration::from_mins(61));
    let page = app.get(&office, Some(&cookie)).await;
    assert_eq!(page.location.as_deref(), Some("/login"));
    // Signing out everywhere ends every session, on every device.
    let tablet = app.sign_in("officer").await;
    let desk = app.sign_in("officer").await;
    let teacher = app.sign_in("teacher").await;
    let out = app.post_form("/account/sign-out", Some(&desk), "").await;
    assert_eq!(out.location.as_deref(), Some("/login?signed_out=true"));
    for cookie in [&tablet, &desk] {
        let page = app.get(&office, Some(cookie)).await;
        assert_eq!(page.location.as_deref(), Some("/login"));
    }
    let registers = format!("/s/{}/registers", app.fixture.school);
    assert_eq!(
        app.get(&registers, Some(&teacher)).await.status,
        StatusCode::OK
    );
}
