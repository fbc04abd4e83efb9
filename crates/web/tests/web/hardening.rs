//! What the server accepts, the headers it answers with, and what it does while its database
//! cannot be reached.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use rollcall_testkit::Backend;
use rollcall_testkit::fixture::SCHOOL_DAY;
use rollcall_web::Config;
use serde_json::json;

use crate::support::TestApp;

async fn headers_of(app: &TestApp, path: &str) -> axum::http::HeaderMap {
    use tower::ServiceExt as _;
    let response = app
        .router
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    response.headers().clone()
}

pub async fn every_answer_is_hardened(backend: Backend) {
    let mut app = TestApp::new(backend).await;
    for path in ["/login", "/api/v1/me", "/parent/login", "/no/such/page"] {
        let headers = headers_of(&app, path).await;
        let get = |name: header::HeaderName| {
            headers
                .get(&name)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_else(|| panic!("{path}: no {name}"))
        };
        let csp = get(header::CONTENT_SECURITY_POLICY);
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(get(header::X_FRAME_OPTIONS), "DENY");
        assert_eq!(get(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(get(header::REFERRER_POLICY), "same-origin");
        assert_eq!(get(header::CACHE_CONTROL), "no-store", "{path}");
        assert!(headers.get(header::STRICT_TRANSPORT_SECURITY).is_none());
    }
    // rollcall's own scripts and styles may be cached; nothing else.
    let css = headers_of(&app, "/static/app.css").await;
    assert_eq!(css[header::CACHE_CONTROL], "public, max-age=3600");
    // No page carries a script of its own: every <script> loads a file.
    let login = app.get("/login", None).await;
    assert!(!login.body.contains("<script>"), "{}", login.body);

    // Behind HTTPS: HSTS, and Secure cookies.
    let https = app.state.clone().with_config(Config {
        public_url: "https://rollcall.example.sch.uk".into(),
        ..Config::default()
    });
    app.use_state(https);
    let headers = headers_of(&app, "/login").await;
    assert_eq!(
        headers[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000; includeSubDomains"
    );
    use tower::ServiceExt as _;
    let signed_in = app
        .router
        .clone()
        .oneshot(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "username=teacher&password={}",
                    rollcall_testkit::fixture::PASSWORD.replace(' ', "+")
                )))
                .unwrap(),
        )
        .await
        .unwrap();
    let cookie = signed_in.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );

    // Plain http is for this machine only.
    let public = |url: &str| {
        Config {
            public_url: url.into(),
            ..Config::default()
        }
        .check_public_url()
    };
    for ok in [
        "http://127.0.0.1:8080",
        "http://localhost:8080/",
        "http://[::1]:80",
        "https://a.example",
    ] {
        assert_eq!(public(ok), Ok(()), "{ok}");
    }
    for refused in [
        "http://rollcall.example.sch.uk",
        "http://10.0.0.5:8080",
        "ftp://x",
    ] {
        assert!(public(refused).is_err(), "{refused}");
    }
}

pub async fn input_is_bounded(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let officer = app.sign_in("officer").await;
    let change = format!("/s/{}/pupils/{}/marks", f.school, f.pupils[1]);
    let form = |note: &str, session: &str| {
        format!(
            "date={SCHOOL_DAY}&session={session}&code=I&reason=reason_established&note={}",
            note
        )
    };
    // A NUL, a control character, an overlong note: refused, naming the field.
    for (note, expect) in [
        ("ill%00", "note: holds a control character (U+0000)"),
        ("ill%1B%5B31m", "note: holds a control character (U+001B)"),
        (
            &"x".repeat(5_001),
            "note: is 5001 characters long; at most 5000 are kept",
        ),
    ] {
        let reply = app
            .post_form(&change, Some(&officer), &form(note, "am"))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.text()
        );
        assert!(reply.text().contains(expect), "{}", reply.text());
    }
    // A session is AM, PM or both, in any case, and nothing else.
    let reply = app
        .post_form(&change, Some(&officer), &form("ill", "PM"))
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let marks = app
        .store
        .marks(f.pupils[1], SCHOOL_DAY, SCHOOL_DAY)
        .await
        .unwrap();
    assert_eq!(marks.len(), 1, "only the afternoon was changed");
    let reply = app
        .post_form(&change, Some(&officer), &form("ill", "evening"))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.text().contains("is not AM, PM or both"),
        "{}",
        reply.text()
    );
    // Minutes late must fit the session: 9,999 would be long after it ended, and L after the
    // register closed is U.
    for (minutes, code, expect) in [
        (
            "9999",
            "L",
            "9999 minutes late is after the session ends at 12:00",
        ),
        (
            "45",
            "L",
            "45 minutes late is after the register closes at 09:15: that is U, not L",
        ),
    ] {
        let reply = app
            .post_form(
                &change,
                Some(&officer),
                &format!(
                    "date={SCHOOL_DAY}&session=am&code={code}&minutes_late={minutes}&reason=arrived_late&note=x"
                ),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{minutes}");
        assert!(reply.text().contains(expect), "{}", reply.text());
    }
    // An empty date names the field, not the parser.
    let reply = app
        .post_form(
            &change,
            Some(&officer),
            "date=&session=am&code=I&reason=other&note=x",
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .body
            .contains("<a href=\"#change-date\">Enter the date.</a>"),
        "{}",
        reply.body
    );
    // A NUL in a username at sign-in is refused, not a server error.
    let reply = app
        .post_form("/login", None, "username=head%00&password=x")
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text()
    );
    // Bodies: too large is 413, the wrong type 415, and a huge value is never echoed.
    let huge = format!("username={}&password=x", "a".repeat(300 * 1024));
    let reply = app.post_form("/login", None, &huge).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.body.len() < 10_000);
    let token = app.token("officer").await;
    let api = format!("/api/v1/schools/{}/pupils/{}/marks", f.school, f.pupils[1]);
    let mut request = Request::post(&api)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "text/plain");
    let reply = app.send(request.body(Body::from("{}")).unwrap()).await;
    assert_eq!(
        reply.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{}",
        reply.body
    );
    request = Request::post(&api)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json");
    let long_code = json!({"date": SCHOOL_DAY.to_string(), "session": "AM", "code": "Z".repeat(4000),
        "reason": "other", "note": "x"});
    let reply = app
        .send(request.body(Body::from(long_code.to_string())).unwrap())
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(
        reply.body.len() < 300,
        "the value is not echoed: {}",
        reply.body
    );
    let reply = app
        .api(
            "POST",
            &api,
            Some(&token),
            Some(json!({"date": SCHOOL_DAY.to_string(), "session": "AM",
            "code": "I", "reason": "other", "note": "nul\u{0}"})),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(
        reply.json()["error"]
            .as_str()
            .unwrap()
            .contains("note: holds a control character")
    );
    // Nothing refused was written: the one change is the afternoon's.
    assert_eq!(app.store.ledger(f.pupils[1]).await.unwrap().len(), 1);
}

pub async fn the_database_goes_away_and_comes_back(backend: Backend) {
    if backend == Backend::Sqlite {
        return;
    }
    let app = TestApp::new(backend).await;
    let officer = app.sign_in("officer").await;
    let token = app.token("officer").await;
    let office = format!("/s/{}/office", app.fixture.school);
    assert_eq!(
        app.get(&office, Some(&officer)).await.status,
        StatusCode::OK
    );
    let name = app
        ._db
        .url
        .split('/')
        .nth(3)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let admin = |sql: String| {
        let cluster = rollcall_testkit::cluster();
        let url = cluster.url("postgres");
        async move {
            use sqlx::Connection as _;
            let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .unwrap();
        }
    };
    // Requests at once fill the pool, so that connections are left idle in it when the
    // database ends them: each must be found broken before it is used.
    let busy = (0..16).map(|_| app.get(&office, Some(&officer)));
    for reply in futures_util::future::join_all(busy).await {
        assert_eq!(reply.status, StatusCode::OK);
    }
    // The database stops taking connections, and those open are ended.
    admin(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false")).await;
    admin(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    ))
    .await;
    for _ in 0..3 {
        let reply = app.get(&office, Some(&officer)).await;
        assert_eq!(
            reply.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            reply.text()
        );
        assert!(
            reply.text().contains("cannot reach its database"),
            "{}",
            reply.text()
        );
    }
    let ready = headers_of(&app, "/readyz").await;
    assert_eq!(ready[header::RETRY_AFTER], "5");
    assert_eq!(
        app.get("/readyz", None).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
    let api = app.api("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(api.json()["error"].as_str().unwrap().contains("try again"));
    // It comes back; so does rollcall, by itself.
    admin(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).await;
    assert_eq!(app.get("/readyz", None).await.status, StatusCode::OK);
    assert_eq!(
        app.get(&office, Some(&officer)).await.status,
        StatusCode::OK
    );
}
