use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use jiff::civil::Time;
use jiff::{SignedDuration, Timestamp};
use rollcall_core::TokenScope;
use rollcall_store::{NewApiToken, Store};
use rollcall_testkit::fixture::{self, Fixture, PASSWORD, SCHOOL_DAY};
use rollcall_testkit::{Backend, TestDb, database};
use rollcall_web::{AppState, Clock as _, FixedClock, Passwords, app};
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
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub body: String,
    pub bytes: Vec<u8>,
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
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace("&#39;", "'")
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    }
}

/// A PDF as poppler reads it: its page count and its text.
pub struct Pdf {
    pub pages: usize,
    pub text: String,
}

impl Reply {
    /// The reply as a PDF, opened with poppler's `pdfinfo` and `pdftotext`.
    pub fn pdf(&self) -> Pdf {
        assert_eq!(
            self.content_type.as_deref(),
            Some("application/pdf"),
            "{}: {}",
            self.status,
            self.text()
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reply.pdf");
        std::fs::write(&path, &self.bytes).unwrap();
        let run = |program: &str, args: &[&std::ffi::OsStr]| {
            let out = std::process::Command::new(program)
                .args(args)
                .output()
                .unwrap_or_else(|e| panic!("{program} (poppler-utils): {e}"));
            assert!(out.status.success(), "{program}: {out:?}");
            String::from_utf8(out.stdout).unwrap()
        };
        let info = run("pdfinfo", &[path.as_os_str()]);
        let pages = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no page count: {info}"));
        let text = run("pdftotext", &[path.as_os_str(), "-".as_ref()]);
        Pdf {
            pages,
            text: text.split_whitespace().collect::<Vec<_>>().join(" "),
        }
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
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned());
        let etag = response
            .headers()
            .get(header::ETAG)
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            location,
            cookie,
            content_type,
            etag,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
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

    /// A form sent by a page script (htmx), which answers with the part of the page it changes.
    pub async fn post_in_place(&self, path: &str, cookie: &str, body: &str) -> Reply {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("HX-Request", "true")
            .header(header::COOKIE, cookie);
        self.send(request.body(Body::from(body.to_owned())).unwrap())
            .await
    }

    /// A read-write API token for a fixture user, for 30 days.
    pub async fn token(&self, username: &str) -> String {
        self.token_with(
            username,
            TokenScope::ReadWrite,
            SignedDuration::from_hours(24 * 30),
        )
        .await
        .1
    }

    /// An API token for a fixture user: its number and the token.
    pub async fn token_with(
        &self,
        username: &str,
        scope: TokenScope,
        lasts: SignedDuration,
    ) -> (i64, String) {
        let user = self
            .store
            .user_by_username(username)
            .await
            .unwrap()
            .unwrap();
        let token = rollcall_web::new_token();
        let now = self.clock.now();
        let id = self
            .store
            .create_api_token(&NewApiToken {
                token_hash: &rollcall_web::token_hash(&token),
                user: user.id,
                name: "test",
                scope,
                at: now,
                expires: now + lasts,
            })
            .await
            .unwrap();
        (id, token)
    }

    /// A form posted from a client address, as the server sees it behind its listener.
    pub async fn post_form_from(&self, address: [u8; 4], path: &str, body: &str) -> Reply {
        let mut request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_owned()))
            .unwrap();
        let from = std::net::SocketAddr::from((address, 40000));
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(from));
        self.send(request).await
    }

    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Reply {
        self.api_if_match(method, path, token, body, None).await
    }

    /// An API request with `If-Match`.
    pub async fn api_if_match(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
        if_match: Option<&str>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(tag) = if_match {
            request = request.header(header::IF_MATCH, tag);
        }
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

    /// 5A's register for a session of the fixture's school day, as stored.
    pub async fn sheet_5a(&self, session: rollcall_core::Session) -> rollcall_store::RegisterSheet {
        self.store
            .register(self.fixture.group, SCHOOL_DAY, session)
            .await
            .unwrap()
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

impl TestApp {
    /// Makes the first contact of a fixture pupil a parent on the portal, with the fixture's
    /// password, and signs them in; their cookie.
    pub async fn parent_signs_in(&self, pupil: rollcall_store::PupilKey) -> String {
        let contact = self.store.contacts(pupil).await.unwrap()[0].clone();
        let email = contact.contact.email.clone().unwrap();
        let parent = self
            .store
            .ensure_parent(&email, &contact.contact.name)
            .await
            .unwrap();
        self.store.link_parent(parent, contact.id).await.unwrap();
        self.store
            .set_parent_password(parent, &password_hash().await)
            .await
            .unwrap();
        self.parent_cookie(&email).await
    }

    /// Signs a parent in with the fixture's password.
    pub async fn parent_cookie(&self, email: &str) -> String {
        let reply = self
            .post_form(
                "/parent/login",
                None,
                &format!("email={email}&password={}", PASSWORD.replace(' ', "+")),
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        reply.cookie.expect("a parent's session cookie")
    }
}

/// A real SMTP server on loopback (Python's aiosmtpd, which `scripts/test` installs), keeping
/// what it receives in a maildir; stopped when dropped.
pub struct MailServer {
    child: std::process::Child,
    pub address: String,
    dir: tempfile::TempDir,
}

impl MailServer {
    pub async fn start() -> MailServer {
        let python =
            std::env::var("ROLLCALL_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let child = std::process::Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("box"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "{python} -m aiosmtpd: {e}; run scripts/test, which installs python3-aiosmtpd"
                )
            });
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "aiosmtpd did not start"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        MailServer {
            child,
            address: format!("127.0.0.1:{port}"),
            dir,
        }
    }

    /// Every message received, as text.
    pub fn received(&self) -> Vec<String> {
        let new = self.dir.path().join("box").join("new");
        let mut mails: Vec<String> = std::fs::read_dir(new)
            .map(|entries| {
                entries
                    .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                    .collect()
            })
            .unwrap_or_default();
        mails.sort();
        mails
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A stand-in for an SMS provider's HTTP API: keeps each request, answers 503 to the first
/// `failures` and 200 with an id after.
pub struct SmsProvider {
    pub url: String,
    pub received: Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
}

impl SmsProvider {
    pub async fn start(failures: usize) -> SmsProvider {
        use axum::routing::post;
        let received: Arc<std::sync::Mutex<Vec<serde_json::Value>>> = Arc::default();
        let seen = received.clone();
        let tries = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let router = Router::new().route(
            "/send",
            post(move |headers: axum::http::HeaderMap, body: String| {
                let (seen, tries) = (seen.clone(), tries.clone());
                async move {
                    assert_eq!(
                        headers.get(header::AUTHORIZATION).unwrap(),
                        "Bearer test-token"
                    );
                    if tries.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < failures {
                        return (StatusCode::SERVICE_UNAVAILABLE, "busy".to_owned());
                    }
                    let mut seen = seen.lock().unwrap();
                    seen.push(serde_json::from_str(&body).unwrap());
                    (StatusCode::OK, format!("{{\"id\": \"SM{}\"}}", seen.len()))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/send", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        SmsProvider { url, received }
    }
}

/// The state with email through `mail` and texts through `sms`.
pub fn with_transports(state: &AppState, mail: &MailServer, sms: &SmsProvider) -> AppState {
    state.clone().with_transports(rollcall_web::Transports {
        email: Some(Arc::new(
            rollcall_web::Smtp::new(&mail.address, "Fixture Primary <office@fixture.example>")
                .unwrap(),
        )),
        sms: Some(Arc::new(
            rollcall_web::HttpSms::new(&sms.url, Some("test-token".into())).unwrap(),
        )),
    })
}

impl TestApp {
    /// Serves another state (other transports) from now on.
    pub fn use_state(&mut self, state: AppState) {
        self.router = app(state.clone());
        self.state = state;
    }
}
