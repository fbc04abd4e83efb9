use axum::http::StatusCode;
use jiff::SignedDuration;
use rollcall_testkit::Backend;

use crate::support::TestApp;

pub async fn sign_in_and_out(backend: Backend) {
    let app = TestApp::new(backend).await;
    // Pages need a session.
    let page = app.get("/", None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/login"));
    let cookie = app.sign_in("teacher").await;
    assert!(cookie.starts_with("rollcall_session="));
    let home = app.get("/", Some(&cookie)).await;
    assert_eq!(
        home.location.as_deref(),
        Some(&*format!("/s/{}", app.fixture.school))
    );
    let school = app
        .get(&format!("/s/{}", app.fixture.school), Some(&cookie))
        .await;
    assert_eq!(
        school.location.as_deref(),
        Some(&*format!("/s/{}/registers", app.fixture.school))
    );
    let registers = app
        .get(
            &format!("/s/{}/registers", app.fixture.school),
            Some(&cookie),
        )
        .await;
    assert_eq!(registers.status, StatusCode::OK);
    assert!(
        registers
            .text()
            .contains("Registers for Wednesday 10 September 2025"),
        "{}",
        registers.text()
    );
    // Signing out ends the session on the server, not only in the browser.
    let out = app.post_form("/logout", Some(&cookie), "").await;
    assert_eq!(out.location.as_deref(), Some("/login?signed_out=true"));
    let after = app
        .get(
            &format!("/s/{}/registers", app.fixture.school),
            Some(&cookie),
        )
        .await;
    assert_eq!(after.location.as_deref(), Some("/login"));
    // The office goes to the day's lists.
    let officer = app.sign_in("officer").await;
    let school = app
        .get(&format!("/s/{}", app.fixture.school), Some(&officer))
        .await;
    assert_eq!(
        school.location.as_deref(),
        Some(&*format!("/s/{}/office", app.fixture.school))
    );
}

pub async fn throttled_per_address(backend: Backend) {
    let app = TestApp::new(backend).await;
    let guesser = [203, 0, 113, 9];
    let right = "username=officer&password=correct+horse+battery+staple";
    for _ in 0..5 {
        let reply = app
            .post_form_from(guesser, "/login", "username=officer&password=guess")
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(
            reply
                .text()
                .contains("That username and password do not match.")
        );
    }
    // From the guesser's address even the right password now waits, and the page says how long.
    let reply = app.post_form_from(guesser, "/login", right).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        reply.text().contains("Try again in 1 minute,"),
        "{}",
        reply.text()
    );
    // The officer at her own desk is not locked out by someone else's guessing.
    let desk = app.post_form_from([10, 0, 0, 5], "/login", right).await;
    assert_eq!(desk.status, StatusCode::SEE_OTHER, "{}", desk.text());
    // Each further failure doubles the wait: 1 minute, then 2.
    app.clock.advance(SignedDuration::from_secs(61));
    let reply = app
        .post_form_from(guesser, "/login", "username=officer&password=guess")
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    app.clock.advance(SignedDuration::from_secs(61));
    let reply = app.post_form_from(guesser, "/login", right).await;
    assert!(
        reply.text().contains("Try again in 1 minute,"),
        "{}",
        reply.text()
    );
    app.clock.advance(SignedDuration::from_secs(60));
    let reply = app.post_form_from(guesser, "/login", right).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    // A success forgets the failures.
    let reply = app
        .post_form_from(guesser, "/login", "username=officer&password=guess")
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    // Unknown usernames are refused like wrong passwords, without saying which; a name no
    // account could have is refused as the input it is.
    let reply = app
        .post_form("/login", None, "username=nobody&password=x")
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = app
        .post_form("/login", None, "username=a%00b&password=x")
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.text().contains("username"), "{}", reply.text());
}

pub async fn bad_sessions_and_tokens_are_refused(backend: Backend) {
    let app = TestApp::new(backend).await;
    let school = app.fixture.school;
    let forged = app
        .get(
            &format!("/s/{school}/office"),
            Some("rollcall_session=0000"),
        )
        .await;
    assert_eq!(forged.location.as_deref(), Some("/login"));
    // A session expires.
    let cookie = app.sign_in("officer").await;
    app.clock.advance(SignedDuration::from_hours(11));
    let expired = app.get(&format!("/s/{school}/office"), Some(&cookie)).await;
    assert_eq!(expired.location.as_deref(), Some("/login"));
    // The API wants a bearer token, and says so.
    let none = app.api("GET", "/api/v1/me", None, None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert!(none.json()["error"].as_str().unwrap().contains("sign in"));
    let wrong = app
        .api("GET", "/api/v1/me", Some("not-a-token"), None)
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    // A cross-site form post is refused before it reaches a handler.
    let request = axum::http::Request::post("/login")
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("username=officer&password=x"))
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::FORBIDDEN);
}
