//! Home schools, for an alternative provision (seed 000): each learner's home school and lead
//! contact, kept on their admission entry; and the Home schools page, where each home school's
//! file of its learners' marks for a day is taken.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::civil::Date;
use rollcall_core::admission::home::HomeLink;
use rollcall_core::{LaEstab, Permission};
use rollcall_store::{Casebook, PupilKey, PupilRecord, SchoolId};
use serde::Deserialize;

use super::Chrome;
use super::form::{Draft, FormData, Refused};
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;

/// A learner's home-school link in force.
pub(super) async fn link(
    state: &AppState,
    access: &Access,
    key: PupilKey,
) -> Result<Option<HomeLink>, AppError> {
    Ok(state
        .store
        .home_links(access.school.id)
        .await?
        .into_iter()
        .find(|(k, _)| *k == key)
        .map(|(_, l)| l))
}

/// The form's values from a link.
pub(super) fn values(link: Option<&HomeLink>) -> Draft {
    let Some(l) = link else {
        return Draft::default();
    };
    Draft::of(vec![
        ("school".into(), l.school.clone()),
        (
            "la_estab".into(),
            l.la_estab.map(|e| e.to_string()).unwrap_or_default(),
        ),
        ("lead".into(), l.lead.clone()),
        ("email".into(), l.email.clone().unwrap_or_default()),
        ("phone".into(), l.phone.clone().unwrap_or_default()),
    ])
}

async fn set_link(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil)): Path<(i64, i64)>,
    crate::limits::Form(fields): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(
        Permission::KeepAdmissionRegister,
        "keep learners' home schools",
    )?;
    let key = PupilKey(pupil);
    access.pupil(&state, key).await?;
    let f = FormData(fields);
    let mut d = Draft::of(f.0.clone());
    let optional = |name: &str| Some(f.get(name).trim().to_owned()).filter(|t| !t.is_empty());
    let la_estab = match optional("la_estab") {
        Some(text) => d.check(
            "la_estab",
            LaEstab::parse(&text)
                .map(Some)
                .map_err(|e| AppError::BadRequest(e.to_string())),
        ),
        None => Some(None),
    };
    if let Some(la_estab) = la_estab {
        let link = HomeLink {
            school: f.get("school").trim().to_owned(),
            la_estab,
            lead: f.get("lead").trim().to_owned(),
            email: optional("email"),
            phone: optional("phone"),
        };
        let now = state.local_now().datetime();
        match state
            .store
            .set_home_link(key, &link, &access.user.actor(), now)
            .await
        {
            Ok(()) => {
                return Ok(
                    Redirect::to(&format!("/s/{school}/admissions/{pupil}#home")).into_response(),
                );
            }
            Err(e) => d.take(e.into(), "school")?,
        }
    }
    super::admissions::refused(
        &state,
        &access,
        key,
        Refused {
            form: "home".into(),
            draft: d,
        },
    )
    .await
}

/// A home school with its learners here.
struct HomeSchool {
    /// What the file's address names it by: its LA/establishment number, or its name.
    id: String,
    name: String,
    lead: String,
    reach: String,
    learners: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "home_schools.html")]
struct HomeSchoolsPage {
    chrome: Chrome,
    date: Date,
    schools: Vec<HomeSchool>,
}

#[derive(Deserialize)]
struct DayQuery {
    date: Option<Date>,
    school: Option<String>,
}

fn id_of(link: &HomeLink) -> String {
    link.la_estab
        .map(|e| e.to_string())
        .unwrap_or_else(|| link.school.clone())
}

/// The learners on roll on a date, by their home school's id.
async fn by_home_school(
    state: &AppState,
    access: &Access,
    on: Date,
) -> Result<Vec<(HomeLink, Vec<PupilRecord>)>, AppError> {
    let links = state.store.home_links(access.school.id).await?;
    let pupils = state.store.pupils(access.school.id).await?;
    let mut schools: Vec<(HomeLink, Vec<PupilRecord>)> = Vec::new();
    for (key, link) in links {
        let Some(record) = pupils.iter().find(|p| p.key == key && p.pupil.on_roll(on)) else {
            continue;
        };
        match schools.iter_mut().find(|(l, _)| id_of(l) == id_of(&link)) {
            Some((_, learners)) => learners.push(record.clone()),
            None => schools.push((link, vec![record.clone()])),
        }
    }
    schools.sort_by(|a, b| a.0.school.cmp(&b.0.school));
    Ok(schools)
}

async fn home_schools(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    Query(query): Query<DayQuery>,
) -> Result<HomeSchoolsPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(
        Permission::MakeReturns,
        "send home schools their learners' marks",
    )?;
    let date = query.date.unwrap_or_else(|| state.local_now().date());
    let schools = by_home_school(&state, &access, date)
        .await?
        .into_iter()
        .map(|(link, learners)| HomeSchool {
            id: id_of(&link),
            reach: [link.email.clone(), link.phone.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", "),
            name: match link.la_estab {
                Some(e) => format!("{} ({e})", link.school),
                None => link.school.clone(),
            },
            lead: link.lead,
            learners: learners.iter().map(|l| l.pupil.name()).collect(),
        })
        .collect();
    Ok(HomeSchoolsPage {
        chrome: Chrome::new(&access, "returns"),
        date,
        schools,
    })
}

async fn daily_file(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    Query(query): Query<DayQuery>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(
        Permission::MakeReturns,
        "send home schools their learners' marks",
    )?;
    let date = query.date.unwrap_or_else(|| state.local_now().date());
    let wanted = query.school.unwrap_or_default();
    let schools = by_home_school(&state, &access, date).await?;
    let (link, learners) = schools
        .iter()
        .find(|(l, _)| id_of(l) == wanted)
        .ok_or(AppError::NotFound("home school"))?;
    let book = Casebook::school(state.store.as_ref(), access.school.id, date).await?;
    let learners: Vec<&PupilRecord> = learners.iter().collect();
    let csv = crate::home_schools::daily_file(&book, &access.policy, &learners, date)?;
    let name = id_of(link).replace(['/', ' '], "-");
    Ok(crate::letters::csv_response(
        csv,
        &format!("marks-for-{name}-{date}.csv"),
    ))
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{school}/admissions/{pupil}/home", post(set_link))
        .route("/s/{school}/home-schools", get(home_schools))
        .route("/s/{school}/home-schools/file", get(daily_file))
}
