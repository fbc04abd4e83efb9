//! The role matrix's rows for the admission register, contacts, parents' changes of details and
//! returns to the local authority.

use rollcall_testkit::fixture::SCHOOL_DAY;
use serde_json::json;

use super::Outcome::{self, *};
use crate::support::TestApp;

/// A page's or the API's route: (method, path, body, outcome for each actor in `ACTORS` order).
type Row<B> = (&'static str, String, B, [Outcome; 6]);

/// The pages' rows.
pub(super) async fn pages(app: &TestApp) -> Vec<Row<String>> {
    let f = &app.fixture;
    let (s, a, stranger, day) = (f.school, f.pupils[0], f.stranger, SCHOOL_DAY);
    let amys = app.store.contacts(a).await.unwrap();
    let (mother, neighbour) = (amys[0].id.0, amys[1].id.0);
    let trust = app.store.school(s).await.unwrap().trust.unwrap().0;
    vec![
        (
            "GET",
            "/compare".to_owned(),
            String::new(),
            [SignIn, Forbidden, Forbidden, Forbidden, Ok, Forbidden],
        ),
        (
            "GET",
            "/compare/groups?period=term".to_owned(),
            String::new(),
            [SignIn, Forbidden, Forbidden, Forbidden, Ok, Forbidden],
        ),
        // Only a trust's director sets its targets, not a school's leaders.
        (
            "POST",
            "/compare/targets".to_owned(),
            format!("trust={trust}&attendance=96&persistent=15&amber=1"),
            [
                SignIn, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden,
            ],
        ),
        (
            "GET",
            format!("/s/{s}/returns"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/returns/due/attendance@2025-09-01"),
            String::new(),
            [SignIn, Forbidden, Forbidden, NotFound, NotFound, NotFound],
        ),
        (
            "POST",
            format!("/s/{s}/returns/due/attendance@2025-09-01"),
            "how=by_hand&to=LA+portal".to_owned(),
            [SignIn, Forbidden, Forbidden, NotFound, NotFound, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/returns/due/attendance@2025-09-01/csv"),
            String::new(),
            [SignIn, Forbidden, Forbidden, NotFound, NotFound, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/returns/due/attendance@2025-09-01/pdf"),
            String::new(),
            [SignIn, Forbidden, Forbidden, NotFound, NotFound, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/returns/daily/{day}"),
            String::new(),
            [SignIn, Forbidden, Forbidden, NotFound, NotFound, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/returns/census"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/returns/census/2025/autumn"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/returns/made/1"),
            String::new(),
            [SignIn, Forbidden, Forbidden, NotFound, NotFound, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/pupils/{a}/contacts"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "POST",
            format!("/s/{s}/pupils/{a}/contacts"),
            "relationship=Aunt".to_owned(),
            [SignIn, Forbidden, Forbidden, Invalid, Invalid, NotFound],
        ),
        (
            "POST",
            format!("/s/{s}/pupils/{a}/contacts/{mother}"),
            "name=&priority=1".to_owned(),
            [SignIn, Forbidden, Forbidden, Invalid, Invalid, NotFound],
        ),
        // Ended by the officer; then there is no such contact.
        (
            "POST",
            format!("/s/{s}/pupils/{a}/contacts/{neighbour}/end"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, NotFound, NotFound],
        ),
        (
            "POST",
            format!("/s/{s}/requests/details/999999"),
            "decision=confirm".to_owned(),
            [SignIn, Forbidden, Forbidden, NotFound, NotFound, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/admissions"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/admissions/new"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "POST",
            format!("/s/{s}/admissions/new"),
            "legal_surname=Fox".to_owned(),
            [SignIn, Forbidden, Forbidden, Invalid, Invalid, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/admissions/{a}"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/admissions/{stranger}"),
            String::new(),
            [SignIn, Forbidden, Forbidden, NotFound, NotFound, NotFound],
        ),
        (
            "POST",
            format!("/s/{s}/admissions/{a}/entry"),
            "change=corrected".to_owned(),
            [SignIn, Forbidden, Forbidden, Invalid, Invalid, NotFound],
        ),
        (
            "POST",
            format!("/s/{s}/admissions/{a}/home"),
            "school=Kings+Academy".to_owned(),
            [SignIn, Forbidden, Forbidden, Invalid, Invalid, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/home-schools"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/home-schools/file?school=nowhere"),
            String::new(),
            [SignIn, Forbidden, Forbidden, NotFound, NotFound, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/analytics?period=term&cut=sen"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/analytics/cohorts.csv"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/analytics/tables/days.csv?period=term"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/analytics/tables/shoes.csv"),
            String::new(),
            [SignIn, Forbidden, Forbidden, NotFound, NotFound, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/analytics/pupils?cut=sex&cohort=Girls&order=attendance"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/qa?period=term"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/qa?period=fortnight"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Invalid, Invalid, NotFound],
        ),
        (
            "POST",
            format!("/s/{s}/qa"),
            "period=term&evaluation=Fine&follow_up=&staff=".to_owned(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/meetings"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/meetings/tables/caseload.csv"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            "/compare?period=term&format=csv".to_owned(),
            String::new(),
            [SignIn, Forbidden, Forbidden, Forbidden, Ok, Forbidden],
        ),
        (
            "POST",
            format!("/s/{s}/meetings"),
            "held_on=&present=".to_owned(),
            [SignIn, Forbidden, Forbidden, Invalid, Invalid, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/analytics/pupils?order=height"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Invalid, Invalid, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/classes/{}", f.group),
            String::new(),
            [SignIn, Ok, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/transfers"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "POST",
            format!("/s/{s}/transfers"),
            "reg_group=5A".to_owned(),
            [SignIn, Forbidden, Forbidden, Invalid, Invalid, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/admissions/{a}/ctf"),
            String::new(),
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/s/{s}/admissions/{stranger}/ctf"),
            String::new(),
            [SignIn, Forbidden, Forbidden, NotFound, NotFound, NotFound],
        ),
        (
            "POST",
            format!("/s/{s}/admissions/{a}/deletion"),
            format!("ground=f&leaving_date={day}"),
            [SignIn, Forbidden, Forbidden, Forbidden, Invalid, NotFound],
        ),
    ]
}

/// The API's rows.
pub(super) async fn api(app: &TestApp) -> Vec<Row<Option<serde_json::Value>>> {
    let f = &app.fixture;
    let (s, a, day) = (f.school, f.pupils[0], SCHOOL_DAY);
    let mother = app.store.contacts(a).await.unwrap()[0].id.0;
    let bens_neighbour = app.store.contacts(f.pupils[1]).await.unwrap()[1].id.0;
    let incomplete_admission = json!({"upn": "X801200005006", "legal_surname": "Fox",
        "legal_forename": "Finn", "date_of_birth": "2015-05-01", "sex": "F", "year_group": "5",
        "reg_group": "5A", "starting_day": day.to_string(), "entry": {"address": ""}, "parents": []});
    vec![
        (
            "GET",
            format!("/api/v1/schools/{s}/pupils/{a}/contacts"),
            None,
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "POST",
            format!("/api/v1/schools/{s}/pupils/{a}/contacts"),
            Some(json!({"name": "", "email": "not an address"})),
            [SignIn, Forbidden, Forbidden, Invalid, Invalid, NotFound],
        ),
        (
            "PUT",
            format!("/api/v1/schools/{s}/pupils/{a}/contacts/{mother}"),
            Some(json!({"name": "Parent of Amy", "email": "not an address"})),
            [SignIn, Forbidden, Forbidden, Invalid, Invalid, NotFound],
        ),
        (
            "POST",
            format!(
                "/api/v1/schools/{s}/pupils/{}/contacts/{bens_neighbour}/end",
                f.pupils[1]
            ),
            None,
            [SignIn, Forbidden, Forbidden, Ok, NotFound, NotFound],
        ),
        (
            "GET",
            format!("/api/v1/schools/{s}/admissions"),
            None,
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "POST",
            format!("/api/v1/schools/{s}/admissions"),
            Some(incomplete_admission),
            [SignIn, Forbidden, Forbidden, Invalid, Invalid, NotFound],
        ),
        (
            "GET",
            format!("/api/v1/schools/{s}/admissions/{a}"),
            None,
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "POST",
            format!("/api/v1/schools/{s}/admissions/{a}/entry"),
            Some(json!({"change": "corrected", "entry": {"address": ""}})),
            [SignIn, Forbidden, Forbidden, Invalid, Invalid, NotFound],
        ),
        (
            "POST",
            format!("/api/v1/schools/{s}/admissions/{a}/deletion"),
            Some(json!({"ground": "f", "leaving_date": day.to_string(), "confirmed": false})),
            [SignIn, Forbidden, Forbidden, Forbidden, Invalid, NotFound],
        ),
        (
            "GET",
            format!("/api/v1/schools/{s}/analytics/cohorts?period=year&cut=pupil_premium"),
            None,
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/api/v1/schools/{s}/analytics?period=term&cut=sen"),
            None,
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/api/v1/schools/{s}/analytics/pupils?cut=sex&cohort=Girls&order=late"),
            None,
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            format!("/api/v1/schools/{s}/qa?period=term"),
            None,
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            "/api/v1/compare?period=term&sort=name".to_owned(),
            None,
            [SignIn, Forbidden, Forbidden, Forbidden, Ok, Forbidden],
        ),
        (
            "GET",
            format!("/api/v1/schools/{s}/meetings"),
            None,
            [SignIn, Forbidden, Forbidden, Ok, Ok, NotFound],
        ),
        (
            "GET",
            "/api/v1/compare/groups?period=term".to_owned(),
            None,
            [SignIn, Forbidden, Forbidden, Forbidden, Ok, Forbidden],
        ),
    ]
}
