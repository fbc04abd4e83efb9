//! The server's log: one line for each request, with its method, route, status and time, and
//! nothing a person typed or their name.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use axum::http::StatusCode;
use rollcall_testkit::Backend;

use crate::support::TestApp;

/// What the server has logged since the first test here began.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// The process's log, as `rollcall serve` writes it, captured.
fn log() -> &'static Captured {
    static LOG: OnceLock<Captured> = OnceLock::new();
    LOG.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
            .init();
        captured
    })
}

pub async fn one_line_per_request_and_no_personal_data(backend: Backend) {
    let log = log();
    let app = TestApp::new(backend).await;
    let f = &app.fixture;
    let teacher = app.sign_in("teacher").await;
    // A register with a reason in the person's own words, and a pupil's page asked for with a
    // name in its query.
    let marked = app.teacher_takes_5a(["present", "N", "present"]).await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER, "{}", marked.text());
    let form = format!(
        "{}&reason=marked_in_error&note=Mrs+Zebedee+rang+at+nine",
        app.register_form(["present", "present", "present"])
    );
    let retaken = app
        .post_form(&app.register_path(f.group.0), Some(&teacher), &form)
        .await;
    assert_eq!(retaken.status, StatusCode::SEE_OTHER, "{}", retaken.text());
    let pupil = format!("/s/{}/pupils/{}?q=Quintavalle", f.school, f.pupils[1]);
    assert_eq!(app.get(&pupil, Some(&teacher)).await.status, StatusCode::OK);
    assert_eq!(
        app.get("/no/such/page", Some(&teacher)).await.status,
        StatusCode::NOT_FOUND
    );

    let text = log.text();
    let line = |route: &str, status: u16| {
        text.lines()
            .find(|l| {
                l.contains(&format!("route={route} ")) && l.contains(&format!("status={status} "))
            })
            .unwrap_or_else(|| panic!("no line for {route} {status} in:\n{text}"))
            .to_owned()
    };
    let register = line("/s/{school}/registers/{group}/{date}/{session}", 303);
    assert!(register.contains("method=POST"), "{register}");
    assert!(register.contains(" ms="), "{register}");
    let page = line("/s/{school}/pupils/{pupil}", 200);
    assert!(page.contains("method=GET"), "{page}");
    line("-", 404);
    // Nothing typed, no query, no name of pupil or member of staff.
    for private in [
        "Zebedee",
        "Quintavalle",
        "Baker",
        "Tom Teach",
        "/no/such/page",
    ] {
        assert!(!text.contains(private), "{private:?} in the log:\n{text}");
    }
}
