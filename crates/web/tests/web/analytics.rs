use axum::http::StatusCode;
use jiff::civil::Time;
use rollcall_core::{DateRange, GroupBy, summarise};
use rollcall_testkit::Backend;
use rollcall_testkit::fixture::SCHOOL_DAY;

use crate::support::{TestApp, at};

/// The Analysis page, its CSV and the API give the same figures, which are those of the
/// statistics `report attendance` uses; a teacher sees none of it.
pub async fn the_page_the_file_and_the_api_agree(backend: Backend) {
    let app = TestApp::new(backend).await;
    let s = app.fixture.school;
    app.clock.set(at(Time::constant(9, 5, 0, 0)));
    app.teacher_takes_5a(["present", "N", "I"]).await;
    let head = app.sign_in("head").await;
    let page = app
        .get(
            &format!("/s/{s}/analytics?period=week&cut=sex"),
            Some(&head),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(text.contains("How each figure is computed"), "{text}");
    // Pupils to watch: Ben (N) and Cara (I) missed the only session marked, each a link.
    assert!(text.contains("Severely absent (50% or more) (2)"), "{text}");
    let ben = app.fixture.pupils[1];
    assert!(
        page.body.contains(&format!("/s/{s}/pupils/{ben}\">Ben")),
        "{}",
        page.body
    );
    // The patterns: the week's trend as a chart and a table, days and sessions, codes.
    assert!(page.body.contains("<polyline points="), "a chart");
    assert!(text.contains("The chart as a table"), "{text}");
    assert!(text.contains("Codes used this year"), "{text}");
    assert!(
        text.contains("Reason not yet established")
            || text.contains("reason is not yet established"),
        "{text}"
    );
    // National figures, with their source: the fixture sets no phase, so all schools'.
    assert!(text.contains("92.90% (all schools)"), "{text}");
    assert!(text.contains("20.00% (all schools)"), "{text}");
    assert!(page.body.contains("https://explore-education-statistics.service.gov.uk/find-statistics/pupil-absence-in-schools-in-england/2023-24"));
    let file = app
        .get(
            &format!("/s/{s}/analytics/cohorts.csv?period=week&cut=sex"),
            Some(&head),
        )
        .await;
    assert_eq!(file.status, StatusCode::OK);
    let token = app.token("head").await;
    let api = app
        .api(
            "GET",
            &format!("/api/v1/schools/{s}/analytics/cohorts?period=week&cut=sex"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let json = api.json();
    let rows = json["rows"].as_array().unwrap();
    let lines: Vec<&str> = file.body.lines().skip(1).collect();
    assert_eq!(rows.len(), lines.len());
    for (row, line) in rows.iter().zip(&lines) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(row["cohort"], cells[0]);
        assert_eq!(row["possible_sessions"], cells[2]);
        assert_eq!(row["attendance_pct"], cells[3]);
        assert!(
            page.body.contains(&format!("<td>{}</td>", cells[3])),
            "{}",
            cells[3]
        );
    }
    // The week's figures are the report's.
    let register = app.store.load_register(s).await.unwrap();
    let week = DateRange {
        first: json["from"].as_str().unwrap().parse().unwrap(),
        last: json["to"].as_str().unwrap().parse().unwrap(),
    };
    assert_eq!(week.last, SCHOOL_DAY);
    let all = &summarise(&register, week, GroupBy::All)[0];
    assert_eq!(rows[0]["possible_sessions"], all.tally.possible.to_string());
    assert_eq!(
        rows[0]["attendance_pct"],
        all.tally.attendance_rate().unwrap().to_string()
    );
    let girls = summarise(&register, week, GroupBy::Sex)
        .into_iter()
        .find(|g| g.key == rollcall_core::GroupKey::Sex(rollcall_core::Sex::Female))
        .unwrap();
    let girls_row = rows.iter().find(|r| r["cohort"] == "Girls").unwrap();
    assert_eq!(girls_row["pupils"], girls.pupils.to_string());

    // An alternative provision: the DfE's figures used here are not published for it.
    let ap = rollcall_testkit::fixture::POLICY.replace(
        "la_estab = \"801/2001\"",
        "la_estab = \"801/2001\"\nphase = \"alternative_provision\"",
    );
    app.store.set_policy(s, &ap).await.unwrap();
    let page = app
        .get(&format!("/s/{s}/analytics"), Some(&head))
        .await
        .text();
    assert!(page.contains("not published"), "{page}");
    assert!(!page.contains("(all schools)"), "{page}");

    let teacher = app.sign_in("teacher").await;
    let refused = app.get(&format!("/s/{s}/analytics"), Some(&teacher)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let unknown = app
        .get(&format!("/s/{s}/analytics?cut=shoe_size"), Some(&head))
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn user_with(
    app: &TestApp,
    username: &str,
    role: rollcall_core::Role,
    schools: &[rollcall_store::SchoolId],
) -> String {
    let user = app
        .store
        .create_user(&rollcall_store::NewUser {
            username: username.into(),
            name: format!("{username} person"),
            position: role.title().into(),
            password_hash: Some(crate::support::password_hash().await),
        })
        .await
        .unwrap();
    for school in schools {
        app.store.grant_role(user, *school, role).await.unwrap();
    }
    app.sign_in(username).await
}

/// A trust's director sees its schools side by side, and all of them together, and each
/// school's figures without a pupil's name; the local authority's officer sees the returns its
/// school has made; a teacher sees neither.
pub async fn a_trust_and_the_la_see_their_schools(backend: Backend) {
    use rollcall_core::Role;
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    app.clock.set(at(Time::constant(9, 5, 0, 0)));
    app.teacher_takes_5a(["present", "N", "I"]).await;
    let director = user_with(
        &app,
        "director",
        Role::TrustDirector,
        &[f.school, f.other_school],
    )
    .await;
    let home = app.get("/", Some(&director)).await;
    assert!(
        home.text().contains("Your schools side by side"),
        "{}",
        home.text()
    );
    let compare = app
        .get("/compare?period=year&sort=name", Some(&director))
        .await;
    assert_eq!(compare.status, StatusCode::OK);
    let text = compare.text();
    assert!(
        text.contains("Fixture Primary") && text.contains("Elsewhere Academy"),
        "{text}"
    );
    assert!(text.contains("All these schools"), "{text}");
    assert!(text.contains("England, all state-funded schools"), "{text}");
    assert!(text.contains("No targets set"), "{text}");

    // The director sets the trust's targets; each school is rated against them, named.
    let trust = app.store.school(f.school).await.unwrap().trust.unwrap();
    let bad = app
        .post_form(
            "/compare/targets",
            Some(&director),
            &format!("trust={}&attendance=960&persistent=15&amber=1", trust.0),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text()
            .contains("The attendance target must be a percentage"),
        "{}",
        bad.text()
    );
    let set = app
        .post_form(
            "/compare/targets",
            Some(&director),
            &format!("trust={}&attendance=96&persistent=15&amber=1.5", trust.0),
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let rated = app.get("/compare?sort=name", Some(&director)).await;
    assert!(
        rated
            .body
            .contains("class=\"band-poor\">66.67% <span class=\"band-name\">Red</span>"),
        "{}",
        rated.body
    );
    assert!(
        rated.text().contains("amber within 1.50 points"),
        "{}",
        rated.text()
    );

    // The trust's vulnerable pupils, school by school, as a page and as CSV.
    let groups = app
        .get("/compare/groups?period=year", Some(&director))
        .await;
    assert_eq!(groups.status, StatusCode::OK, "{}", groups.body);
    let text = groups.text();
    assert!(text.contains("Vulnerable pupils in each school"), "{text}");
    assert!(
        text.contains("EHC plan") && text.contains("Looked after"),
        "{text}"
    );
    let csv = app
        .get(
            "/compare/groups?period=year&csv=persistent",
            Some(&director),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.starts_with("School,All pupils,Pupil premium"),
        "{}",
        csv.body
    );
    let analysis = app
        .get(&format!("/s/{}/analytics", f.school), Some(&director))
        .await;
    assert_eq!(analysis.status, StatusCode::OK);
    assert!(
        !analysis.text().contains("Pupils to watch"),
        "no names for a trust"
    );
    assert!(!analysis.text().contains("Ben Baker"));

    // Cohorts too small to show without identifying pupils are withheld from the trust; the
    // school's own staff see them.
    let small = format!(
        "{}\n",
        rollcall_testkit::fixture::POLICY.replace("target = 96", "target = 96\nsmall_cohort = 10")
    );
    app.store.set_policy(f.school, &small).await.unwrap();
    let cohorts = format!("/api/v1/schools/{}/analytics/cohorts?cut=sex", f.school);
    let as_director = app
        .api("GET", &cohorts, Some(&app.token("director").await), None)
        .await
        .json();
    assert_eq!(
        as_director["rows"][0]["attendance_pct"], "c",
        "{as_director}"
    );
    assert_eq!(as_director["rows"][0]["pupils"], "fewer than 10");
    let as_head = app
        .api("GET", &cohorts, Some(&app.token("head").await), None)
        .await
        .json();
    assert_ne!(as_head["rows"][0]["attendance_pct"], "c");
    let compared = app.get("/compare?sort=name", Some(&director)).await.text();
    assert!(compared.contains("fewer than 10"), "{compared}");
    // A governor sees the school's figures as the trust does: small cohorts withheld, no names,
    // and no other school.
    user_with(&app, "governor", Role::Governor, &[f.school]).await;
    let as_governor = app
        .api("GET", &cohorts, Some(&app.token("governor").await), None)
        .await
        .json();
    assert_eq!(as_governor["rows"][0]["attendance_pct"], "c");
    let governor = app.sign_in("governor").await;
    let seen = app
        .get(&format!("/s/{}/analytics", f.school), Some(&governor))
        .await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(!seen.text().contains("Pupils to watch"));
    assert_eq!(
        app.get("/compare", Some(&governor)).await.status,
        StatusCode::FORBIDDEN
    );

    let la = user_with(&app, "la", Role::LocalAuthorityOfficer, &[f.school]).await;
    let made = app
        .get(&format!("/s/{}/returns/made", f.school), Some(&la))
        .await;
    assert_eq!(made.status, StatusCode::OK);
    assert!(
        made.text().contains("No returns made yet"),
        "{}",
        made.text()
    );
    let only_one = app.get("/compare", Some(&la)).await.text();
    assert!(!only_one.contains("Elsewhere Academy"), "{only_one}");
    // The local authority sees the trust's targets but does not set them.
    let refused = app
        .post_form(
            "/compare/targets",
            Some(&la),
            &format!("trust={}&attendance=90&persistent=20&amber=1", trust.0),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let teacher = app.sign_in("teacher").await;
    assert_eq!(
        app.get("/compare", Some(&teacher)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&format!("/s/{}/returns/made", f.school), Some(&teacher))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// A class teacher sees their own class this week and this year, and the pupils to reach out
/// to first; not another teacher's class.
pub async fn a_teacher_sees_their_class(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    app.clock.set(at(Time::constant(9, 5, 0, 0)));
    app.teacher_takes_5a(["present", "N", "present"]).await;
    let teacher = app.sign_in("teacher").await;
    let registers = app
        .get(&format!("/s/{}/registers", f.school), Some(&teacher))
        .await;
    assert!(
        registers.text().contains("5A's attendance this week"),
        "{}",
        registers.text()
    );
    let class = app
        .get(
            &format!("/s/{}/classes/{}", f.school, f.group),
            Some(&teacher),
        )
        .await;
    assert_eq!(class.status, StatusCode::OK);
    let text = class.text();
    // Ben, absent at the only session marked, comes first, to reach out to.
    let ben = text.find("Ben Baker").unwrap();
    let amy = text.find("Amy Able").unwrap();
    assert!(ben < amy, "{text}");
    assert!(text.contains("Severely absent (50% or more)"), "{text}");
    assert!(
        text.contains("66.67%"),
        "two of three present this week: {text}"
    );
    let other = app
        .get(
            &format!("/s/{}/classes/{}", f.school, f.other_group),
            Some(&teacher),
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
}

/// Every cohort leads to its pupils, whose figures add up to the cohort's; each table of the
/// page downloads as CSV; attendance is coloured by the school's bands, named as well.
pub async fn a_cohort_leads_to_its_pupils(backend: Backend) {
    let app = TestApp::new(backend).await;
    let s = app.fixture.school;
    app.clock.set(at(Time::constant(9, 5, 0, 0)));
    app.teacher_takes_5a(["present", "N", "I"]).await;
    let banded = format!(
        "{}\n[[procedures.bands]]\nname = \"Green\"\nsource = \"test\"\n\n[[procedures.bands]]\nname = \"Red\"\nat_or_below = 90\nsource = \"test\"\n",
        rollcall_testkit::fixture::POLICY
    );
    app.store.set_policy(s, &banded).await.unwrap();
    let head = app.sign_in("head").await;
    let page = app
        .get(
            &format!("/s/{s}/analytics?period=week&cut=reg_group"),
            Some(&head),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let link = format!("/s/{s}/analytics/pupils?period=week&#38;cut=reg_group&#38;cohort=5A\"");
    assert!(page.body.contains(&link), "{}", page.body);
    assert!(
        page.body
            .contains("<td class=\"band-poor\">33.33 <span class=\"band-name\">Red</span></td>"),
        "{}",
        page.body
    );
    assert!(page.text().contains("Classes ranked"));

    let pupils = app
        .get(
            &format!(
                "/s/{s}/analytics/pupils?period=week&cut=reg_group&cohort=5A&order=attendance"
            ),
            Some(&head),
        )
        .await;
    assert_eq!(pupils.status, StatusCode::OK, "{}", pupils.body);
    let text = pupils.text();
    // Lowest attendance first: Ben and Cara missed the morning, Amy was there.
    let (ben, amy) = (text.find("Ben").unwrap(), text.find("Amy").unwrap());
    assert!(ben < amy, "{text}");
    assert!(
        pupils
            .body
            .contains(&format!("/s/{s}/pupils/{}\"", app.fixture.pupils[1])),
        "each pupil leads to their page"
    );
    assert!(text.contains("Codes used by these pupils"), "{text}");
    assert!(
        pupils.body.contains("band-good"),
        "Amy is in the green band"
    );
    let file = app
        .get(
            &format!("/s/{s}/analytics/pupils?period=week&cut=reg_group&cohort=5A&format=csv"),
            Some(&head),
        )
        .await;
    assert_eq!(file.status, StatusCode::OK);
    let listed = file.body.lines().count() - 1;
    let cohorts = app
        .get(
            &format!("/s/{s}/analytics/cohorts.csv?period=week&cut=reg_group"),
            Some(&head),
        )
        .await
        .body;
    let class = cohorts.lines().find(|l| l.starts_with("5A,")).unwrap();
    assert_eq!(class.split(',').nth(1), Some(listed.to_string().as_str()));

    for table in ["classes", "weeks", "days", "codes", "severe"] {
        let csv = app
            .get(
                &format!("/s/{s}/analytics/tables/{table}.csv?period=week"),
                Some(&head),
            )
            .await;
        assert_eq!(csv.status, StatusCode::OK, "{table}: {}", csv.body);
        assert!(csv.body.lines().count() > 1, "{table}: {}", csv.body);
    }
    // No school in the fixture rates pupils: all are "Not rated".
    let rated = app
        .get(&format!("/s/{s}/analytics?cut=vulnerability"), Some(&head))
        .await;
    assert!(rated.text().contains("Not rated"), "{}", rated.text());
}

/// A pupil's page says what their marks show, and how it was found; the pupils to watch say
/// it in a few words.
pub async fn a_pupils_page_shows_the_patterns_in_their_marks(backend: Backend) {
    use rollcall_core::{Code, PupilId, RegisterBuilder, Roll, Session, Slot};
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    // Ben was present from 1 September, then ill from Thursday 4 to Tuesday 9.
    let ben = app.store.pupil(f.pupils[1]).await.unwrap().pupil;
    let roll = Roll::new(vec![ben]).unwrap();
    let mut marks = RegisterBuilder::new(&roll);
    for day in 1..=9 {
        let date = jiff::civil::date(2025, 9, day);
        if date.weekday().to_monday_one_offset() > 5 {
            continue;
        }
        for (session, present) in [
            (Session::Am, Code::PresentAm),
            (Session::Pm, Code::PresentPm),
        ] {
            let code = if day >= 4 { Code::Illness } else { present };
            marks
                .insert(PupilId(0), Slot::new(date, session), code, None)
                .unwrap();
        }
    }
    app.store
        .import(
            &f.school.into(),
            &marks.finish(roll),
            &rollcall_store::ImportDetails::default(),
            &rollcall_store::Actor {
                user: None,
                name: "Tina Shaw".into(),
                position: "Data manager".into(),
            },
            at(Time::constant(8, 0, 0, 0)),
            &|_| {},
        )
        .await
        .unwrap();
    app.clock.set(at(Time::constant(16, 0, 0, 0)));
    let head = app.sign_in("head").await;
    let page = app
        .get(
            &format!("/s/{}/pupils/{}", f.school, f.pupils[1]),
            Some(&head),
        )
        .await
        .text();
    assert!(page.contains("Patterns in the marks"), "{page}");
    assert!(
        page.contains("Spells of absence: Thu 4 Sep 2025 to Tue 9 Sep 2025 (8 sessions)."),
        "{page}"
    );
    assert!(page.contains("How these are found"), "{page}");
    let analysis = app
        .get(&format!("/s/{}/analytics", f.school), Some(&head))
        .await
        .text();
    assert!(analysis.contains("a spell of 8 sessions"), "{analysis}");
}

/// The attendance meeting: the caseload with an action for a pupil and one for the school; the
/// next meeting sees them carried and closes one; a form with gaps is shown again with what is
/// wrong, and nothing is written; a teacher may not hold it.
pub async fn the_attendance_meeting_carries_its_actions(backend: Backend) {
    let app = TestApp::new(backend).await;
    let f = app.fixture.clone();
    let s = f.school;
    app.clock.set(at(Time::constant(9, 5, 0, 0)));
    app.teacher_takes_5a(["present", "N", "present"]).await;
    let officer = app.sign_in("officer").await;
    let path = format!("/s/{s}/meetings");
    let page = app.get(&path, Some(&officer)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.text().contains("Caseload (1)"), "{}", page.text());
    assert!(page.text().contains("Ben Baker"), "{}", page.text());

    let ben = f.pupils[1];
    let gaps = app
        .post_form(
            &path,
            Some(&officer),
            &format!("held_on=&present=&what.{ben}=Call+home"),
        )
        .await;
    assert_eq!(gaps.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = gaps.text();
    assert!(text.contains("Enter the meeting's date"), "{text}");
    assert!(text.contains("Enter who was at the meeting"), "{text}");
    assert!(
        text.contains("Ben Baker's action needs both what is to be done and who does it"),
        "{text}"
    );
    assert!(app.store.meetings(s).await.unwrap().is_empty());

    let held = app
        .post_form(
            &path,
            Some(&officer),
            &format!(
                "held_on={SCHOOL_DAY}&present=Lisa+Craven%0AJune+Turner&notes=Ben+not+yet+explained\
                 &what.{ben}=Class+teacher+calls+home&owner.{ben}=Mr+Hill&due.{ben}=2025-09-12\
                 &school_actions=Assembly+on+punctuality+%7C+June+Turner+%7C+2025-09-19"
            ),
        )
        .await;
    assert_eq!(held.status, StatusCode::SEE_OTHER, "{}", held.body);
    let actions = app.store.meeting_actions(s).await.unwrap();
    assert_eq!(actions.len(), 2);
    let page = app.get(&path, Some(&officer)).await.text();
    assert!(
        page.contains("Actions carried from earlier meetings (2)"),
        "{page}"
    );
    assert!(page.contains("Class teacher calls home"), "{page}");

    let call = actions.iter().find(|a| a.pupil == Some(ben)).unwrap().id;
    let closed = app
        .post_form(
            &path,
            Some(&officer),
            &format!(
                "held_on=2025-09-24&present=Lisa+Craven&close={call}&outcome.{call}=Mother+will+call+each+morning"
            ),
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    let page = app.get(&path, Some(&officer)).await.text();
    assert!(
        page.contains("Actions carried from earlier meetings (1)"),
        "{page}"
    );
    assert!(page.contains("Mother will call each morning"), "{page}");

    let teacher = app.sign_in("teacher").await;
    assert_eq!(
        app.get(&path, Some(&teacher)).await.status,
        StatusCode::FORBIDDEN
    );
}

/// The half-termly QA report: the annex's figures from the register, the champion's evaluation
/// saved for the period and shown again, and the whole printed; a teacher may not see it.
pub async fn the_qa_report_is_assembled_and_kept(backend: Backend) {
    let app = TestApp::new(backend).await;
    let s = app.fixture.school;
    app.clock.set(at(Time::constant(9, 5, 0, 0)));
    app.teacher_takes_5a(["present", "N", "I"]).await;
    let head = app.sign_in("head").await;
    let page = app
        .get(&format!("/s/{s}/qa?period=half_term"), Some(&head))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let text = page.text();
    for part in [
        "Attendance and persistent absence by group",
        "Pupil premium",
        "SEND",
        "EHCP",
        "Week by week",
        "The context of the persistently absent",
        "National attendance (all schools): 92.90%",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    // All pupils this half term: one of three present at the only session (33.33%).
    assert!(page.body.contains("<td>33.33%</td>"), "{}", page.body);
    let saved = app
        .post_form(
            &format!("/s/{s}/qa"),
            Some(&head),
            "period=half_term&evaluation=Attendance+fell+in+5A&follow_up=Meet+Ben%27s+family&staff=June+Turner",
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let again = app
        .get(&format!("/s/{s}/qa?period=half_term"), Some(&head))
        .await
        .text();
    assert!(again.contains("Attendance fell in 5A"), "{again}");
    assert!(again.contains("Saved by June Turner"), "{again}");
    // Another period has its own evaluation.
    let term = app
        .get(&format!("/s/{s}/qa?period=term"), Some(&head))
        .await
        .text();
    assert!(!term.contains("Attendance fell in 5A"), "{term}");
    let pdf = app
        .get(&format!("/s/{s}/qa/pdf?period=half_term"), Some(&head))
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with("%PDF"), "a PDF");
    let teacher = app.sign_in("teacher").await;
    assert_eq!(
        app.get(&format!("/s/{s}/qa"), Some(&teacher)).await.status,
        StatusCode::FORBIDDEN
    );
}
