//! Driving headless Chromium through chromedriver for the flows: starting both, serving rollcall
//! on loopback, and the steps a person takes (sign in, click through, type), each waiting for
//! the page it leads to.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

fn program(env: &str, candidates: &[&str]) -> PathBuf {
    if let Some(path) = std::env::var_os(env) {
        return PathBuf::from(path);
    }
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "the browser tests need {} (Debian's chromium and chromium-driver): run \
                 scripts/test, which installs them, or set {env}",
                candidates.join(" or ")
            )
        })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// chromedriver, stopped when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn browser() -> (Driver, Client, tempfile::TempDir) {
    let chromedriver = program(
        "CHROMEDRIVER",
        &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"],
    );
    let chromium = program(
        "CHROMIUM",
        &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
    );
    let port = free_port();
    let driver = Driver(
        Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let profile = tempfile::tempdir().unwrap();
    let capabilities = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic", "--window-size=820,1180",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }
    });
    let capabilities = match capabilities {
        serde_json::Value::Object(map) => map,
        _ => unreachable!(),
    };
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a browser session");
    (driver, client, profile)
}

/// rollcall serving on a loopback port, and a browser to reach it with.
pub(super) struct Served {
    pub(super) base: String,
    pub(super) client: Client,
    _driver: Driver,
    _profile: tempfile::TempDir,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Served {
    pub(super) async fn start(state: &rollcall_web::AppState) -> Served {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(rollcall_web::serve(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        let (driver, client, profile) = browser().await;
        Served {
            base,
            client,
            _driver: driver,
            _profile: profile,
            stop,
            server,
        }
    }

    pub(super) async fn stop(self) {
        self.client.close().await.unwrap();
        let _ = self.stop.send(());
        self.server.await.unwrap().unwrap();
    }
}

/// The page's main text once it contains `needle`: a click starts a navigation that the
/// browser finishes on its own time, so the test waits for the page it expects.
pub(super) async fn page_with(client: &Client, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(main) = client.find(Locator::Css("main")).await
            && let Ok(text) = main.text().await
        {
            if text.contains(needle) {
                return text;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the page never showed {needle:?}; it showed:\n{last}");
}

/// Clicks `css`, which submits a form or follows a link, and waits for the page it leads to. The
/// page before the click is marked, so neither the old page nor a page that is still loading
/// can pass for the new one; a `goto` straight after a submission would race the form's own
/// navigation.
pub(super) async fn click_to_page(client: &Client, css: &str, needle: &str) -> String {
    // The body is marked, not the window: a page a script swaps in after sending a form has a
    // new body in the same window.
    client
        .execute("document.body.dataset.before = 'true';", vec![])
        .await
        .unwrap();
    click(client, css).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let loaded = "return document.body !== null && document.body.dataset.before === undefined \
        && document.readyState === 'complete';";
    // While the browser navigates a script may fail; that is not yet the new page.
    while !matches!(
        client.execute(loaded, vec![]).await,
        Ok(serde_json::Value::Bool(true))
    ) {
        assert!(
            Instant::now() < deadline,
            "clicking {css} never led to a new page"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    page_with(client, needle).await
}

/// Clicks `css` once it is in the middle of the screen, as a person scrolls to what they tap:
/// the register's bar at the foot of the screen would otherwise be in the way.
pub(super) async fn click(client: &Client, css: &str) {
    let element = client.find(Locator::Css(css)).await.unwrap();
    client
        .execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![serde_json::to_value(&element).unwrap()],
        )
        .await
        .unwrap();
    element.click().await.unwrap();
}

pub(super) async fn type_into(client: &Client, css: &str, text: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

pub(super) async fn sign_in(client: &Client, base: &str, username: &str) {
    sign_in_with(client, base, username, rollcall_testkit::fixture::PASSWORD).await;
}

pub(super) async fn sign_in_with(client: &Client, base: &str, username: &str, password: &str) {
    client.goto(&format!("{base}/login")).await.unwrap();
    type_into(client, "input[name=username]", username).await;
    type_into(client, "input[name=password]", password).await;
    click_to_page(client, "button[type=submit]", "").await;
    let url = client.current_url().await.unwrap();
    assert_ne!(url.path(), "/login", "{username} was not signed in");
}

pub(super) async fn sign_out(client: &Client) {
    click_to_page(client, "nav form button", "").await;
    let url = client.current_url().await.unwrap();
    assert_eq!(url.query(), Some("signed_out=true"), "not signed out");
}

pub(super) async fn parent_sign_in(client: &Client, base: &str) {
    client.goto(&format!("{base}/parent/login")).await.unwrap();
    let email = "form[action='/parent/login'] input[name=email]";
    type_into(client, email, "parent.of.amy@example.org").await;
    type_into(
        client,
        "input[name=password]",
        rollcall_testkit::fixture::PASSWORD,
    )
    .await;
    click_to_page(
        client,
        "form[action='/parent/login'] button",
        "Your children",
    )
    .await;
}

/// Sets a form field's value as a date picker would.
pub(super) async fn set_value(client: &Client, css: &str, value: &str) {
    client
        .execute(
            "document.querySelector(arguments[0]).value = arguments[1];",
            vec![css.into(), value.into()],
        )
        .await
        .unwrap();
}

/// A Chrome DevTools Protocol command, sent through chromedriver to the page.
#[derive(Debug)]
struct Cdp(serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(self.0.to_string()))
    }
}

async fn cdp(client: &Client, cmd: &str, params: serde_json::Value) -> serde_json::Value {
    client
        .issue_cmd(Cdp(serde_json::json!({ "cmd": cmd, "params": params })))
        .await
        .unwrap_or_else(|e| panic!("{cmd}: {e}"))
}

/// Cuts the network (`offline`) or restores it, for the page and for its service worker, which
/// is a target of its own and would otherwise still reach the server.
pub(super) async fn set_offline(client: &Client, offline: bool) {
    let conditions = serde_json::json!({
        "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1
    });
    cdp(client, "Network.enable", serde_json::json!({})).await;
    cdp(
        client,
        "Network.emulateNetworkConditions",
        conditions.clone(),
    )
    .await;
    let targets = cdp(client, "Target.getTargets", serde_json::json!({})).await;
    let workers = targets["targetInfos"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["type"] == "service_worker");
    let mut reached = 0;
    for worker in workers {
        let attached = cdp(
            client,
            "Target.attachToTarget",
            serde_json::json!({ "targetId": worker["targetId"], "flatten": false }),
        )
        .await;
        for (id, method, params) in [
            (1, "Network.enable", serde_json::json!({})),
            (2, "Network.emulateNetworkConditions", conditions.clone()),
        ] {
            let message = serde_json::json!({ "id": id, "method": method, "params": params });
            cdp(
                client,
                "Target.sendMessageToTarget",
                serde_json::json!({
                    "sessionId": attached["sessionId"], "message": message.to_string()
                }),
            )
            .await;
        }
        reached += 1;
    }
    assert!(
        reached > 0,
        "the page has no service worker to take offline"
    );
}
