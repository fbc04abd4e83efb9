use axum::http::StatusCode;
use jiff::civil::Time;
use rollcall_core::Role;
use rollcall_testkit::Backend;

use crate::support::{Reply, TestApp, at};

/// A table of the API written as the pages write their CSV.
fn as_csv(table: &serde_json::Value) -> String {
    let columns: Vec<&str> = table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let rows: Vec<Vec<String>> = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect()
        })
        .collect();
    rollcall_analytics::report::to_csv(&columns, rows.iter()).unwrap()
}

fn ok(reply: Reply) -> serde_json::Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

/// Every table of the Analysis page, a cohort's pupils, the QA report, the attendance meeting,
/// the schools compared and the trust's vulnerable-pupil dashboard is in the API, row for row what the page's CSV gives; a governor
/// is given the figures without the lists of pupils.
pub async fn every_table_is_in_the_api(backend: Backend) {
    let app = TestApp::new(backend).await;
    let s = app.fixture.school;
    app.clock.set(at(Time::constant(9, 5, 0, 0)));
    app.teacher_takes_5a(["present", "N", "I"]).await;
    let head = app.sign_in("head").await;
    let token = app.token("head").await;
    let query = "period=week&cut=sex";

    let analysis = ok(app
        .api(
            "GET",
            &format!("/api/v1/schools/{s}/analytics?{query}"),
            Some(&token),
            None,
        )
        .await);
    let tables = analysis["tables"].as_array().unwrap();
    let ids: Vec<&str> = tables.iter().map(|t| t["id"].as_str().unwrap()).collect();
    for id in ["cohorts", "classes", "weeks", "days", "codes", "severe"] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    for table in tables {
        let id = table["id"].as_str().unwrap();
        let file = app
            .get(
                &format!("/s/{s}/analytics/tables/{id}.csv?{query}"),
                Some(&head),
            )
            .await;
        assert_eq!(file.status, StatusCode::OK, "{id}");
        assert_eq!(as_csv(table), file.body, "{id}");
    }

    let pupils_query = "period=week&cut=sex&cohort=Girls&order=attendance";
    let pupils = ok(app
        .api(
            "GET",
            &format!("/api/v1/schools/{s}/analytics/pupils?{pupils_query}"),
            Some(&token),
            None,
        )
        .await);
    let file = app
        .get(
            &format!("/s/{s}/analytics/pupils?{pupils_query}&format=csv"),
            Some(&head),
        )
        .await;
    assert_eq!(as_csv(&pupils["tables"][0]), file.body);

    let qa = ok(app
        .api(
            "GET",
            &format!("/api/v1/schools/{s}/qa?period=half_term"),
            Some(&token),
            None,
        )
        .await);
    let summary = &qa["tables"][0];
    // All pupils this half term: one of three present at the only session, as the page says.
    assert_eq!(summary["rows"][0][0], "All pupils", "{summary}");
    assert!(
        summary["rows"][0]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "33.33%"),
        "{summary}"
    );
    let page = app
        .get(&format!("/s/{s}/qa?period=half_term"), Some(&head))
        .await;
    assert!(page.body.contains("<td>33.33%</td>"));
    let unknown = app
        .api(
            "GET",
            &format!("/api/v1/schools/{s}/qa?period=fortnight"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        unknown.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unknown.body
    );

    let groups = ok(app
        .api(
            "GET",
            "/api/v1/compare/groups?period=term",
            Some(&token),
            None,
        )
        .await);
    for (at, which) in [(0, "attendance"), (1, "persistent")] {
        let file = app
            .get(
                &format!("/compare/groups?period=term&csv={which}"),
                Some(&head),
            )
            .await;
        assert_eq!(as_csv(&groups["tables"][at]), file.body, "{which}");
    }

    let compared = ok(app
        .api(
            "GET",
            "/api/v1/compare?period=term&sort=name",
            Some(&token),
            None,
        )
        .await);
    let file = app
        .get("/compare?period=term&sort=name&format=csv", Some(&head))
        .await;
    assert_eq!(as_csv(&compared["tables"][0]), file.body);
    assert!(file.body.contains("Fixture Primary"), "{}", file.body);

    let meeting = ok(app
        .api(
            "GET",
            &format!("/api/v1/schools/{s}/meetings"),
            Some(&token),
            None,
        )
        .await);
    let ids: Vec<&str> = meeting["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["caseload", "actions", "impact"]);
    for (at, id) in ids.iter().enumerate() {
        let file = app
            .get(&format!("/s/{s}/meetings/tables/{id}.csv"), Some(&head))
            .await;
        assert_eq!(as_csv(&meeting["tables"][at]), file.body, "{id}");
    }
    // Ben and Cara, each absent from the only session, are the caseload.
    let caseload = meeting["tables"][0]["rows"].to_string();
    assert!(
        caseload.contains("Ben") && caseload.contains("Cara"),
        "{caseload}"
    );

    // A governor: the figures, small cohorts withheld, no pupil's name.
    let small =
        rollcall_testkit::fixture::POLICY.replace("target = 96", "target = 96\nsmall_cohort = 10");
    app.store.set_policy(s, &small).await.unwrap();
    let governor = app
        .store
        .create_user(&rollcall_store::NewUser {
            username: "governor".into(),
            name: "A Governor".into(),
            position: Role::Governor.title().into(),
            password_hash: Some(crate::support::password_hash().await),
        })
        .await
        .unwrap();
    app.store
        .grant_role(governor, s, Role::Governor)
        .await
        .unwrap();
    let as_governor = ok(app
        .api(
            "GET",
            &format!("/api/v1/schools/{s}/analytics?{query}"),
            Some(&app.token("governor").await),
            None,
        )
        .await);
    let ids: Vec<&str> = as_governor["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"cohorts"), "{ids:?}");
    assert!(!ids.contains(&"severe"), "{ids:?}");
    assert_eq!(as_governor["tables"][0]["rows"][0][3], "c", "{as_governor}");
}
