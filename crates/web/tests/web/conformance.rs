//! The OpenAPI document is honest: every operation documents each failure it can answer with the
//! one error body, and probing every operation with each kind of bad request answers a status
//! the document lists for it, with that body.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jiff::SignedDuration;
use rollcall_core::TokenScope;
use rollcall_testkit::Backend;
use rollcall_testkit::fixture::SCHOOL_DAY;
use serde_json::Value;

use crate::support::TestApp;

const READ_FAILURES: [&str; 5] = ["400", "401", "403", "404", "503"];
const WRITE_FAILURES: [&str; 3] = ["413", "415", "422"];

/// A bad request and the status it must get.
struct Probe {
    what: &'static str,
    path: String,
    token: Option<String>,
    content_type: &'static str,
    body: String,
    expect: StatusCode,
}

pub async fn every_failure_is_documented_and_answered_with_its_body(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    let write_token = app.token("officer").await;
    let (_, read_token) = app
        .token_with("officer", TokenScope::Read, SignedDuration::from_hours(1))
        .await;
    let document = serde_json::to_value(rollcall_web::openapi()).unwrap();
    let concrete = |path: &str, school: &str| {
        path.to_owned()
            .replace("{school}", school)
            .replace("{group}", &f.group.0.to_string())
            .replace("{pupil}", &f.pupils[0].0.to_string())
            .replace("{date}", &SCHOOL_DAY.to_string())
            .replace("{session}", "AM")
            .replace("{contact}", "1")
    };
    let school = f.school.0.to_string();
    let mut probed = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            let writes = operation.get("requestBody").is_some();
            let expected: Vec<&str> = READ_FAILURES
                .iter()
                .chain(if writes {
                    WRITE_FAILURES.iter()
                } else {
                    [].iter()
                })
                .copied()
                .collect();
            for status in &expected {
                let schema = &responses
                    .get(*status)
                    .unwrap_or_else(|| panic!("{method} {path} does not document {status}"))["content"]
                    ["application/json"]["schema"]["$ref"];
                assert_eq!(
                    schema, "#/components/schemas/ErrorBody",
                    "{method} {path} {status}"
                );
            }
            let valid = concrete(path, &school);
            let json = "application/json";
            let mut probes = vec![Probe {
                what: "no token",
                path: valid.clone(),
                token: None,
                content_type: json,
                body: "{}".into(),
                expect: StatusCode::UNAUTHORIZED,
            }];
            if path.contains("{school}") {
                probes.push(Probe {
                    what: "a school that is not a number",
                    path: concrete(path, "x"),
                    token: Some(write_token.clone()),
                    content_type: json,
                    body: "{}".into(),
                    expect: StatusCode::BAD_REQUEST,
                });
            }
            if writes {
                let huge = format!("{{\"note\": \"{}\"}}", "a".repeat(300 * 1024));
                probes.extend([
                    Probe {
                        what: "a read-only token",
                        path: valid.clone(),
                        token: Some(read_token.clone()),
                        content_type: json,
                        body: "{}".into(),
                        expect: StatusCode::FORBIDDEN,
                    },
                    Probe {
                        what: "a body that is not JSON",
                        path: valid.clone(),
                        token: Some(write_token.clone()),
                        content_type: "text/plain",
                        body: "hello".into(),
                        expect: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    },
                    Probe {
                        what: "a body too large",
                        path: valid.clone(),
                        token: Some(write_token.clone()),
                        content_type: json,
                        body: huge,
                        expect: StatusCode::PAYLOAD_TOO_LARGE,
                    },
                    Probe {
                        what: "a body without its fields",
                        path: valid.clone(),
                        token: Some(write_token.clone()),
                        content_type: json,
                        body: "{}".into(),
                        expect: StatusCode::UNPROCESSABLE_ENTITY,
                    },
                ]);
            } else if path.contains("{school}") {
                probes.push(Probe {
                    what: "another school",
                    path: concrete(path, &f.other_school.0.to_string()),
                    token: Some(write_token.clone()),
                    content_type: json,
                    body: String::new(),
                    expect: StatusCode::NOT_FOUND,
                });
            }
            for probe in probes {
                let mut request = Request::builder()
                    .method(method.to_uppercase().as_str())
                    .uri(&probe.path)
                    .header(header::CONTENT_TYPE, probe.content_type);
                if let Some(token) = &probe.token {
                    request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
                }
                let body = if writes {
                    Body::from(probe.body)
                } else {
                    Body::empty()
                };
                let reply = app.send(request.body(body).unwrap()).await;
                let said = format!(
                    "{method} {} with {}: {}",
                    probe.path, probe.what, reply.body
                );
                assert_eq!(reply.status, probe.expect, "{said}");
                assert!(
                    responses.contains_key(reply.status.as_str()),
                    "undocumented: {said}"
                );
                let body: Value =
                    serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("{said}"));
                assert!(body["error"].is_string(), "{said}");
                probed += 1;
            }
        }
    }
    assert!(probed >= 30, "only {probed} probes");
}
