//! Analytics through the API: a school's cohorts of a cut over a period, each figure as the
//! page and `rollcall report cohorts` give it.

use axum::Json;
use axum::extract::{Query, State};
use rollcall_analytics::{CohortReport, Cut, Period};
use rollcall_core::Permission;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::access;
use super::failures::ReadFailures;
use crate::AppState;
use crate::auth::ApiStaff;
use crate::error::{ApiError, AppError};
use crate::limits::ApiPath;
use crate::pages::{PupilsQuery, Tables};

/// Which cut over which period.
#[derive(Deserialize, IntoParams)]
pub(crate) struct CohortQuery {
    /// `week`, `half_term`, `term`, `year` (to date, the default) or `four_weeks`.
    period: Option<String>,
    /// `all` (the default), `year_group`, `reg_group`, `sex`, `fsm`, `pupil_premium`, `eal`,
    /// `sen`, `looked_after`, `child_in_need` or `vulnerability`.
    cut: Option<String>,
}

impl CohortQuery {
    /// The period and cut asked for; an unknown one is refused.
    pub(crate) fn read(period: Option<&str>, cut: Option<&str>) -> Result<(Period, Cut), AppError> {
        let period = match period.filter(|p| !p.is_empty()) {
            None => Period::YearToDate,
            Some(id) => Period::parse(id)
                .ok_or_else(|| AppError::BadRequest(format!("{id:?} is not a period")))?,
        };
        let cut = match cut.filter(|c| !c.is_empty()) {
            None => Cut::All,
            Some(id) => Cut::parse(id)
                .ok_or_else(|| AppError::BadRequest(format!("{id:?} is not a cut")))?,
        };
        Ok((period, cut))
    }
}

/// Small cohorts withheld from those who may not see pupils (a trust's or the local
/// authority's roles), below the school's `small_cohort` setting.
pub(crate) fn suppress_for(access: &crate::access::Access, report: &mut CohortReport) {
    if !access.permits(Permission::ViewAnyPupil) {
        report.suppress(access.policy.small_cohort);
    }
}

/// A cohort's figures: rates in percent to two places, gaps and changes in percentage points.
#[derive(Serialize, ToSchema)]
pub(super) struct CohortLine {
    cohort: String,
    pupils: String,
    possible_sessions: String,
    attendance_pct: String,
    gap_to_all_pts: String,
    authorised_pct: String,
    unauthorised_pct: String,
    late_before_close: String,
    late_after_close: String,
    persistent_absentees: String,
    persistent_pct: String,
    severe_absentees: String,
    severe_pct: String,
    last_year_pupils: String,
    last_year_attendance_pct: String,
    change_pts: String,
}

/// A cut over a period and the same dates last year.
#[derive(Serialize, ToSchema)]
pub(super) struct Cohorts {
    period: String,
    cut: String,
    from: String,
    to: String,
    last_year_from: String,
    last_year_to: String,
    /// All pupils first, then each cohort.
    rows: Vec<CohortLine>,
}

#[utoipa::path(get, path = "/schools/{school}/analytics/cohorts", tag = "rollcall",
    params(("school" = i64, Path), CohortQuery),
    responses((status = 200, body = Cohorts), ReadFailures))]
pub(super) async fn cohorts(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath(school): ApiPath<i64>,
    Query(query): Query<CohortQuery>,
) -> Result<Json<Cohorts>, ApiError> {
    let access = access(&state, user, school).await?;
    access.require(Permission::ViewStatistics, "see the school's attendance")?;
    let (period, cut) = CohortQuery::read(query.period.as_deref(), query.cut.as_deref())?;
    let mut report = rollcall_store::analytics::cohort_report(
        state.store.as_ref(),
        access.school.id,
        &access.policy,
        cut,
        period,
        state.local_now().datetime(),
    )
    .await
    .map_err(AppError::from)?;
    suppress_for(&access, &mut report);
    Ok(Json(Cohorts {
        period: period.id().to_owned(),
        cut: cut.id().to_owned(),
        from: report.range.first.to_string(),
        to: report.range.last.to_string(),
        last_year_from: report.last_year.first.to_string(),
        last_year_to: report.last_year.last.to_string(),
        rows: report.lines().map(line).collect(),
    }))
}

fn line(cells: [String; rollcall_analytics::report::WIDTH]) -> CohortLine {
    let [
        cohort,
        pupils,
        possible_sessions,
        attendance_pct,
        gap_to_all_pts,
        authorised_pct,
        unauthorised_pct,
        late_before_close,
        late_after_close,
        persistent_absentees,
        persistent_pct,
        severe_absentees,
        severe_pct,
        last_year_pupils,
        last_year_attendance_pct,
        change_pts,
    ] = cells;
    CohortLine {
        cohort,
        pupils,
        possible_sessions,
        attendance_pct,
        gap_to_all_pts,
        authorised_pct,
        unauthorised_pct,
        late_before_close,
        late_after_close,
        persistent_absentees,
        persistent_pct,
        severe_absentees,
        severe_pct,
        last_year_pupils,
        last_year_attendance_pct,
        change_pts,
    }
}

/// The Analysis page's tables: cohorts, classes ranked, patterns of codes and days, and (for
/// those who may see pupils) the lists to watch.
#[utoipa::path(get, path = "/schools/{school}/analytics", tag = "rollcall",
    params(("school" = i64, Path), CohortQuery),
    responses((status = 200, body = Tables), ReadFailures))]
pub(super) async fn analysis(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath(school): ApiPath<i64>,
    Query(query): Query<CohortQuery>,
) -> Result<Json<Tables>, ApiError> {
    let access = access(&state, user, school).await?;
    access.require(Permission::ViewStatistics, "see the school's attendance")?;
    let (period, cut) = CohortQuery::read(query.period.as_deref(), query.cut.as_deref())?;
    Ok(Json(
        crate::pages::analysis_tables(&state, &access, period, cut).await?,
    ))
}

/// A cohort's pupils with their figures, and the codes they were given.
#[utoipa::path(get, path = "/schools/{school}/analytics/pupils", tag = "rollcall",
    params(("school" = i64, Path), PupilsQuery),
    responses((status = 200, body = Tables), ReadFailures))]
pub(super) async fn pupils(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath(school): ApiPath<i64>,
    Query(query): Query<PupilsQuery>,
) -> Result<Json<Tables>, ApiError> {
    let access = access(&state, user, school).await?;
    Ok(Json(
        crate::pages::pupil_tables(&state, &access, &query).await?,
    ))
}

/// The period of the half-termly QA report.
#[derive(Deserialize, IntoParams)]
pub(super) struct QaQuery {
    /// `half_term` (the default), `term` or `year`.
    period: Option<String>,
}

/// The half-termly QA report's figures (seed 001 Annex 4a).
#[utoipa::path(get, path = "/schools/{school}/qa", tag = "rollcall",
    params(("school" = i64, Path), QaQuery),
    responses((status = 200, body = Tables), ReadFailures))]
pub(super) async fn qa(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath(school): ApiPath<i64>,
    Query(query): Query<QaQuery>,
) -> Result<Json<Tables>, ApiError> {
    let access = access(&state, user, school).await?;
    let period = crate::pages::qa_period(query.period.as_deref())?;
    Ok(Json(
        crate::pages::qa_tables(&state, &access, period).await?,
    ))
}

/// A period alone.
#[derive(Deserialize, IntoParams)]
pub(super) struct PeriodQuery {
    /// `week`, `half_term`, `term`, `year` (to date, the default) or `four_weeks`.
    period: Option<String>,
}

/// Each vulnerable group's attendance and persistent absence at each school the caller
/// compares (a trust's or the local authority's), small groups withheld.
#[utoipa::path(get, path = "/compare/groups", tag = "rollcall",
    params(PeriodQuery),
    responses((status = 200, body = Tables), ReadFailures))]
pub(super) async fn compare_groups(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    Query(query): Query<PeriodQuery>,
) -> Result<Json<Tables>, ApiError> {
    let (period, _) = CohortQuery::read(query.period.as_deref(), None)?;
    Ok(Json(
        crate::pages::group_tables(&state, &user, period).await?,
    ))
}

/// A period and an order.
#[derive(Deserialize, IntoParams)]
pub(super) struct CompareParams {
    /// `week`, `half_term`, `term`, `year` (to date, the default) or `four_weeks`.
    period: Option<String>,
    /// `attendance` (the lowest first, the default), `persistent`, `severe` (the highest
    /// first) or `name`.
    sort: Option<String>,
}

/// The schools the caller compares side by side, each rated against its trust's targets, with
/// all of them together and England.
#[utoipa::path(get, path = "/compare", tag = "rollcall",
    params(CompareParams),
    responses((status = 200, body = Tables), ReadFailures))]
pub(super) async fn compare(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    Query(query): Query<CompareParams>,
) -> Result<Json<Tables>, ApiError> {
    let query = crate::pages::CompareQuery {
        period: query.period,
        sort: query.sort,
        format: None,
    };
    Ok(Json(
        crate::pages::compare_tables(&state, &user, query).await?,
    ))
}

/// The attendance meeting's caseload, the actions carried from earlier meetings and the impact
/// of this term's steps.
#[utoipa::path(get, path = "/schools/{school}/meetings", tag = "rollcall",
    params(("school" = i64, Path)),
    responses((status = 200, body = Tables), ReadFailures))]
pub(super) async fn meetings(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath(school): ApiPath<i64>,
) -> Result<Json<Tables>, ApiError> {
    let access = access(&state, user, school).await?;
    Ok(Json(crate::pages::meeting_tables(&state, &access).await?))
}
