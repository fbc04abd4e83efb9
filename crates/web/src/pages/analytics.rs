//! The attendance analysis for the headteacher and the attendance champion: a cut over a
//! period, all pupils first, each cohort's gap to all pupils and its change since the same
//! dates last year, how each figure is computed, and the same as CSV.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use rollcall_analytics::{CohortReport, Cut, DEFINITIONS, Measure, National, Period, gap, points};
use rollcall_core::text::human_date;
use rollcall_core::{Permission, Phase, Rate};
use rollcall_store::SchoolId;
use rollcall_store::analytics::SchoolData;
use serde::Deserialize;

use super::Chrome;
use crate::AppState;
use crate::access::Access;
use crate::api::analytics::CohortQuery;
use crate::auth::Staff;
use crate::error::AppError;

#[derive(Deserialize)]
struct Choice {
    period: Option<String>,
    cut: Option<String>,
}

/// A headline figure: this period, last year, the change, and the national figure.
struct Headline {
    name: &'static str,
    now: String,
    last_year: String,
    change: String,
    national: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "analytics.html")]
struct AnalyticsPage {
    chrome: Chrome,
    periods: Vec<(&'static str, &'static str)>,
    cuts: Vec<(&'static str, &'static str)>,
    period: &'static str,
    cut: &'static str,
    dates: String,
    headlines: Vec<Headline>,
    columns: [&'static str; 14],
    lines: Vec<[String; 14]>,
    definitions: [(&'static str, &'static str); 6],
    csv: String,
    /// The national figures' releases: title, period, date, address.
    sources: Vec<(String, String, String, String)>,
    patterns: super::analytics_patterns::Patterns,
    watch: Vec<super::analytics_patterns::WatchList>,
    may_see_pupils: bool,
}

impl Choice {
    fn read(&self) -> Result<(Period, Cut), AppError> {
        CohortQuery::read(self.period.as_deref(), self.cut.as_deref())
    }
}

fn headlines(
    report: &CohortReport,
    national: &National,
    phase: Option<Phase>,
    sources: &mut Vec<(String, String, String, String)>,
) -> Vec<Headline> {
    let now = &report.all.now;
    let before = report.all.last_year.as_ref();
    let mut national_of = |measure: Measure, attendance: bool| match national.figure(measure, phase)
    {
        Some(f) => {
            let source = (
                f.release.title.clone(),
                f.release.period.clone(),
                human_date(&f.release.released),
                f.release.url.clone(),
            );
            if !sources.contains(&source) {
                sources.push(source);
            }
            // Attendance is 100% less the published absence rate.
            let h = if attendance {
                10_000 - f.hundredths
            } else {
                f.hundredths
            };
            format!("{}.{:02}% ({})", h / 100, h % 100, f.phase)
        }
        None => "not published".to_owned(),
    };
    type Of = dyn Fn(&rollcall_core::GroupSummary<rollcall_analytics::Cohort>) -> Option<Rate>;
    let rows: [(&'static str, &Of, Measure, bool); 5] = [
        (
            "Attendance",
            &|g| g.tally.attendance_rate(),
            Measure::OverallAbsence,
            true,
        ),
        (
            "Authorised absence",
            &|g| g.tally.authorised_rate(),
            Measure::AuthorisedAbsence,
            false,
        ),
        (
            "Unauthorised absence",
            &|g| g.tally.unauthorised_rate(),
            Measure::UnauthorisedAbsence,
            false,
        ),
        (
            "Persistent absence",
            &|g| g.persistent_rate(),
            Measure::PersistentAbsence,
            false,
        ),
        (
            "Severe absence",
            &|g| g.severe_rate(),
            Measure::SevereAbsence,
            false,
        ),
    ];
    rows.into_iter()
        .map(|(name, f, measure, attendance)| {
            let (this, then) = match report.all.suppressed {
                true => (None, None),
                false => (f(now), before.and_then(f)),
            };
            Headline {
                name,
                now: crate::view::percent(this),
                last_year: then.map_or("no data".to_owned(), |r| format!("{r}%")),
                change: gap(this, then).map_or(String::new(), points),
                national: national_of(measure, attendance),
            }
        })
        .collect()
}

async fn analytics(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    Query(choice): Query<Choice>,
) -> Result<AnalyticsPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::ViewStatistics, "see the school's attendance")?;
    let (period, cut) = choice.read()?;
    let data = SchoolData::load(state.store.as_ref(), access.school.id).await?;
    let today = state.local_now().date();
    let mut report = data.cohort_report(&access.policy.calendar, cut, period, today);
    crate::api::analytics::suppress_for(&access, &mut report);
    let query = format!("period={}&cut={}", report.period.id(), report.cut.id());
    let national = National::published().map_err(AppError::Internal)?;
    let mut sources = Vec::new();
    Ok(AnalyticsPage {
        chrome: Chrome::new(&access, "analytics"),
        periods: Period::NAMED.iter().map(|p| (p.id(), p.title())).collect(),
        cuts: Cut::ALL.iter().map(|c| (c.id(), c.title())).collect(),
        period: report.period.id(),
        cut: report.cut.id(),
        dates: format!(
            "{} to {}, against {} to {}",
            human_date(&report.range.first),
            human_date(&report.range.last),
            human_date(&report.last_year.first),
            human_date(&report.last_year.last)
        ),
        headlines: headlines(&report, &national, access.policy.school.phase, &mut sources),
        columns: CohortReport::COLUMNS,
        lines: report.lines().collect(),
        definitions: DEFINITIONS,
        csv: format!("/s/{school}/analytics/cohorts.csv?{query}"),
        sources,
        patterns: super::analytics_patterns::patterns(&data.register, today),
        // Pupils by name only for those who may see them: not a trust's or the LA's roles.
        watch: match access.permits(Permission::ViewAnyPupil) {
            true => super::analytics_patterns::watch_lists(&data, &access.policy.calendar, today),
            false => Vec::new(),
        },
        may_see_pupils: access.permits(Permission::ViewAnyPupil),
    })
}

async fn cohorts_csv(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    Query(choice): Query<Choice>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::ViewStatistics, "see the school's attendance")?;
    let (period, cut) = choice.read()?;
    let mut report = rollcall_store::analytics::cohort_report(
        state.store.as_ref(),
        access.school.id,
        &access.policy.calendar,
        cut,
        period,
        state.local_now().date(),
    )
    .await?;
    crate::api::analytics::suppress_for(&access, &mut report);
    let csv = report
        .to_csv()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(crate::letters::csv_response(
        csv,
        &format!(
            "attendance-{}-{}-{}.csv",
            report.cut.id(),
            report.range.first,
            report.range.last
        ),
    ))
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{school}/analytics", get(analytics))
        .route("/s/{school}/analytics/cohorts.csv", get(cohorts_csv))
}
