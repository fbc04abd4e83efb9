use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use jiff::Timestamp;
use jiff::civil::Time;
use rollcall_store::Store;
use rollcall_testkit::fixture::{self, Fixture, PASSWORD, SCHOOL_DAY};
use rollcall_testkit::{Backend, TestDb, database};
use rollcall_web::{AppState, FixedClock, Passwords, app};
use tower::ServiceExt;

/// The hash of the fixture's password, made once per test process.
pub async fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    if let Some(hash) = HASH.get() {
        return hash.clone();
    }
    let hash = Passwords::cheap().hash(PASSWORD).await.unwrap();
    HASH.get_or_init(|| hash).clone()
}

/// An instant on the fixture's school day, in London.
pub fn at(time: Time) -> Timestamp {
    SCHOOL_DAY
        .to_datetime(time)
        .in_tz("Europe/London")
        .unwrap()
        .timestamp()
}

/// The application over a fixture school.
pub struct TestApp {
    /// Held so that the database outlives the test.
    pub _db: TestDb,
    pub store: Arc<dyn Store>,
    pub fixture: Fixture,
    pub clock: Arc<FixedClock>,
    pub state: AppState,
    pub router: Router,
}

/// A response, read.
pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    pub cookie: Option<String>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// The page's text without its markup, for asserting on what a person reads.
    pub fn text(&self) -> String {
        let mut text = String::new();
        let mut in_tag = false;
        for c in self.body.chars() {
            match c {
                '<' => in_tag = true,
                '>' => {
                    in_tag = false;
                    text.push(' ');
                }
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

impl TestApp {
    pub async fn new(backend: Backend) -> TestApp {
        let db = database(backend).await;
        let store: Arc<dyn Store> = Arc::new(db.store().await);
        let fixture = fixture::school(store.as_ref(), &password_hash().await).await;
        let clock = Arc::new(FixedClock::new(at(Time::constant(8, 50, 0, 0))));
        let state = AppState::new(store.clone())
            .with_clock(clock.clone())
            .with_passwords(Passwords::cheap());
        let router = app(state.clone());
        TestApp {
            _db: db,
            store,
            fixture,
            clock,
            state,
            router,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let cookie = response
            .headers()
            .get(header::SET_COOKIE)
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            location,
            cookie,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// Signs in; the session cookie.
    pub async fn sign_in(&self, username: &str) -> String {
        let reply = self
            .post_form(
                "/login",
                None,
                &format!(
                    "username={username}&password={}",
                    PASSWORD.replace(' ', "+")
                ),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "{username}: {}",
            reply.text()
        );
        reply.cookie.expect("a session cookie")
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    pub async fn post_form(&self, path: &str, cookie: Option<&str>, body: &str) -> Reply {
        let mut request =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::from(body.to_owned())).unwrap())
            .await
    }

    /// An API token for a fixture user.
    pub async fn token(&self, username: &str) -> String {
        let user = self
            .store
            .user_by_username(username)
            .await
            .unwrap()
            .unwrap();
        let token = rollcall_web::new_token();
        self.store
            .create_api_token(
                &rollcall_web::token_hash(&token),
                user.id,
                "test",
                Timestamp::now(),
            )
            .await
            .unwrap();
        token
    }

    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).unwrap()).await
    }

    /// The morning register path of a group on the school day.
    pub fn register_path(&self, group: i64) -> String {
        format!(
            "/s/{}/registers/{group}/{SCHOOL_DAY}/am",
            self.fixture.school
        )
    }

    /// A register form marking each of 5A's pupils with the given choice.
    /// 5A's teacher signs in and takes this morning's register with `choices`.
    pub async fn teacher_takes_5a(&self, choices: [&str; 3]) -> Reply {
        let teacher = self.sign_in("teacher").await;
        self.post_form(
            &self.register_path(self.fixture.group.0),
            Some(&teacher),
            &self.register_form(choices),
        )
        .await
    }

    pub fn register_form(&self, choices: [&str; 3]) -> String {
        self.fixture
            .pupils
            .iter()
            .zip(choices)
            .map(|(pupil, choice)| match choice {
                "present" | "late" | "N" => format!("mark_{pupil}={choice}"),
                code => format!("other_{pupil}={}", code.replace('/', "%2F")),
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}
