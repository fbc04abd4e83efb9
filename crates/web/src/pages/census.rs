//! The school census's attendance module for the office: each census term of the school year,
//! its figures, COLLECT's checks before it is sent, and the extract as CSV.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use rollcall_core::census::CensusTerm;
use rollcall_core::text::human_date;
use rollcall_core::{AcademicYear, Permission};
use rollcall_returns::census::{Extract, Severity, extract, to_csv};
use rollcall_store::SchoolId;

use super::Chrome;
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;

struct TermLine {
    id: &'static str,
    title: &'static str,
    dates: String,
    pupils: usize,
    possible: u64,
    authorised: u64,
    unauthorised: u64,
    errors: Vec<String>,
    queries: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "census.html")]
struct CensusPage {
    chrome: Chrome,
    year: i16,
    terms: Vec<TermLine>,
}

/// The extract for a term of the school year starting in `year`.
fn term_extract(
    register: &rollcall_core::Register,
    access: &Access,
    year: i16,
    term: CensusTerm,
) -> Result<Extract, AppError> {
    let first = jiff::civil::Date::new(year, 9, 1).map_err(|_| AppError::NotFound("year"))?;
    Ok(extract(
        register,
        &access.policy.calendar,
        term,
        AcademicYear::of(first),
    ))
}

async fn register(state: &AppState, access: &Access) -> Result<rollcall_core::Register, AppError> {
    access.require(Permission::MakeReturns, "make the school's returns")?;
    Ok(state.store.load_register(access.school.id).await?)
}

async fn census(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
) -> Result<CensusPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let year = AcademicYear::of(state.local_now().date())
        .first_day()
        .year();
    let register = register(&state, &access).await?;
    let mut terms = Vec::new();
    for term in CensusTerm::ALL {
        let e = term_extract(&register, &access, year, term)?;
        let names = |severity| {
            e.findings
                .iter()
                .filter(|f| f.severity == severity)
                .map(|f| f.message.clone())
                .collect()
        };
        terms.push(TermLine {
            id: term.id(),
            title: term.title(),
            dates: format!(
                "{} to {}",
                human_date(&e.dates.first),
                human_date(&e.dates.last)
            ),
            pupils: e.lines.len(),
            possible: e.lines.iter().map(|l| l.tally.possible).sum(),
            authorised: e.lines.iter().map(|l| l.tally.authorised).sum(),
            unauthorised: e.lines.iter().map(|l| l.tally.unauthorised).sum(),
            errors: names(Severity::Error),
            queries: names(Severity::Query),
        });
    }
    Ok(CensusPage {
        chrome: Chrome::new(&access, "returns"),
        year,
        terms,
    })
}

async fn csv(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, year, term)): Path<(i64, i16, String)>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let term = CensusTerm::parse(&term).ok_or(AppError::NotFound("census term"))?;
    let register = register(&state, &access).await?;
    let e = term_extract(&register, &access, year, term)?;
    let text = to_csv(&e).map_err(|e| AppError::Internal(e.to_string()))?;
    let name = format!("attendance-census-{year}-{}.csv", term.id());
    Ok(crate::letters::csv_response(text, &name))
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{school}/returns/census", get(census))
        .route("/s/{school}/returns/census/{year}/{term}", get(csv))
}
