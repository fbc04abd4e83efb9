//! The pages staff use, server-rendered.

mod admissions;
mod analytics;
mod analytics_patterns;
mod analytics_pupils;
mod analytics_tables;
mod batches;
mod board;
mod casefile;
mod casework;
mod census;
mod class;
mod compare;
mod compare_groups;
mod contacts;
mod details;
pub(crate) mod form;
mod home_schools;
mod letterbook;
mod meetings;
mod office;
mod portal;
mod pupil_signs;
mod pupils;
mod qa;
mod records;
mod registers;
mod requests;
mod returns;
mod returns_made;
mod sending;
mod staff;
mod transfers;
mod worklist;

pub(crate) use analytics::analysis_tables;
pub(crate) use analytics_pupils::{PupilsQuery, pupil_tables};
pub(crate) use analytics_tables::Tables;
pub(crate) use compare::{CompareQuery, compare_tables};
pub(crate) use compare_groups::group_tables;
pub(crate) use meetings::meeting_tables;
pub(crate) use qa::{period_of as qa_period, qa_tables};

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use std::collections::HashMap;

use jiff::civil::Date;
use rollcall_core::{AcademicYear, Code, Permission, SessionKey, Tally};
use rollcall_store::{PupilKey, SchoolId, StoredMark};

use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;

/// A pupil's academic year so far: every mark of the year (planned ones included), by session,
/// and the tally of those up to today.
pub(crate) struct YearSoFar {
    pub marks: Vec<StoredMark>,
    pub held: HashMap<SessionKey, Code>,
    pub tally: Tally,
}

impl YearSoFar {
    pub async fn load(
        state: &AppState,
        pupil: PupilKey,
        today: Date,
    ) -> Result<YearSoFar, AppError> {
        let year = AcademicYear::of(today);
        let marks = state
            .store
            .marks(pupil, year.first_day(), year.last_day())
            .await?;
        let mut tally = Tally::default();
        for mark in marks.iter().filter(|m| m.key.date <= today) {
            tally.add_mark(mark.code, mark.minutes_late);
        }
        let held = marks.iter().map(|m| (m.key, m.code)).collect();
        Ok(YearSoFar { marks, held, tally })
    }
}

/// What every school page shows around its content.
pub(crate) struct Chrome {
    pub school: i64,
    /// The member of staff, so that a register kept on a tablet is sent only as them.
    pub user: i64,
    pub school_name: String,
    pub user_name: String,
    pub position: String,
    pub registers: bool,
    pub office: bool,
    pub pupils: bool,
    pub requests: bool,
    pub templates: bool,
    pub letters: bool,
    /// The attendance meeting: casework over every pupil.
    pub meetings: bool,
    pub staff: bool,
    pub board: bool,
    pub admissions: bool,
    pub returns: bool,
    /// Only the returns made, for the local authority.
    pub returns_made: bool,
    pub active: &'static str,
}

impl Chrome {
    pub fn new(access: &Access, active: &'static str) -> Chrome {
        Chrome {
            school: access.school.id.0,
            user: access.user.id.0,
            school_name: access.school.name.clone(),
            user_name: access.user.name.clone(),
            position: access.user.position.clone(),
            registers: access.permits(Permission::TakeAnyRegister)
                || (access.permits(Permission::TakeOwnRegisters) && !access.groups.is_empty()),
            office: access.permits(Permission::ViewOfficeLists),
            pupils: access.permits(Permission::ViewAnyPupil)
                || (access.permits(Permission::ViewOwnPupils) && !access.groups.is_empty()),
            requests: access.permits(Permission::HandleAbsenceReports),
            templates: access.permits(Permission::EditTemplates),
            letters: access.permits(Permission::WorkCases),
            meetings: access.permits(Permission::WorkCases)
                && access.permits(Permission::ViewAnyPupil),
            staff: access.permits(Permission::ManageAccounts),
            board: access.permits(Permission::ViewStatistics),
            admissions: access.permits(Permission::KeepAdmissionRegister),
            returns: access.permits(Permission::MakeReturns),
            returns_made: access.permits(Permission::ViewReturnsMade)
                && !access.permits(Permission::MakeReturns),
            active,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "schools.html")]
struct SchoolsPage {
    schools: Vec<(i64, String)>,
    /// Whether they may see their schools side by side.
    compare: bool,
}

/// Sends a member of staff to their school, or lets them choose one.
async fn home(State(state): State<AppState>, Staff(user): Staff) -> Result<Response, AppError> {
    let mut ids: Vec<SchoolId> = state
        .store
        .roles(user.id)
        .await?
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    ids.dedup();
    if let [only] = ids.as_slice() {
        return Ok(Redirect::to(&format!("/s/{only}")).into_response());
    }
    let mut schools = Vec::new();
    for id in ids {
        schools.push((id.0, state.store.school(id).await?.name));
    }
    let compare = compare::schools_compared(&state, &user).await?.len() > 1;
    Ok(SchoolsPage { schools, compare }.into_response())
}

/// A school's front page is the office's day, or a teacher's registers.
async fn school_home(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
) -> Result<Redirect, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let page = if access.permits(Permission::ViewOfficeLists) {
        "office"
    } else if access.permits(Permission::ViewOwnPupils) {
        "registers"
    } else {
        "analytics"
    };
    Ok(Redirect::to(&format!("/s/{school}/{page}")))
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/s/{school}", get(school_home))
        .merge(registers::router())
        .merge(admissions::router())
        .merge(transfers::router())
        .merge(analytics::router())
        .merge(analytics_pupils::router())
        .merge(meetings::router())
        .merge(compare_groups::router())
        .merge(qa::router())
        .merge(compare::router())
        .merge(class::router())
        .merge(returns_made::router())
        .merge(home_schools::router())
        .merge(contacts::router())
        .merge(returns::router())
        .merge(census::router())
        .merge(office::router())
        .merge(board::router())
        .merge(batches::router())
        .merge(pupils::router())
        .merge(casework::router())
        .merge(casefile::router())
        .merge(letterbook::router())
        .merge(sending::router())
        .merge(portal::router())
        .merge(requests::router())
        .merge(records::router())
        .merge(staff::router())
}
