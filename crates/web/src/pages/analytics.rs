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
use super::analytics_patterns::Patterns;
use super::analytics_tables::{Row, Table, TableBody, Tables, band};
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
    definitions: [(&'static str, &'static str); 7],
    csv: String,
    /// The period and cut, as an address's query.
    query: String,
    /// The national figures' releases: title, period, date, address.
    sources: Vec<(String, String, String, String)>,
    may_see_pupils: bool,
    /// Whether they write the QA report and hold the attendance meeting.
    may_work_cases: bool,
    cohorts: Table,
    classes: Table,
    patterns: Patterns,
    watch: Vec<Table>,
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
            let shown = if attendance { f.attendance() } else { f };
            format!("{}% ({})", shown.percent(), shown.phase)
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

/// Everything the page shows, built once for the page and for each table's CSV.
struct Dashboard {
    report: CohortReport,
    cohorts: Table,
    classes: Table,
    patterns: Patterns,
    watch: Vec<Table>,
}

impl Dashboard {
    async fn build(
        state: &AppState,
        access: &Access,
        period: Period,
        cut: Cut,
    ) -> Result<Dashboard, AppError> {
        let now = state.local_now().datetime();
        let today = now.date();
        let school = access.school.id;
        let data =
            SchoolData::load_for(state.store.as_ref(), school, &access.policy, cut, now).await?;
        let calendar = &access.policy.calendar;
        let mut report = data.cohort_report(calendar, cut, period, today);
        crate::api::analytics::suppress_for(access, &mut report);
        let may_see_pupils = access.permits(Permission::ViewAnyPupil);
        let rows = std::iter::once(&report.all)
            .chain(report.rows.iter().filter(|_| cut != Cut::All))
            .map(|row| {
                let mut line = Row::new(report.line(row).to_vec());
                if !row.suppressed {
                    line.band = band(&access.policy, row.now.tally.attendance_rate());
                    if may_see_pupils {
                        let query = serde_urlencoded::to_string([
                            ("period", period.id()),
                            ("cut", cut.id()),
                            ("cohort", row.cohort.as_str()),
                        ])
                        .unwrap_or_default();
                        line = line.linked(format!("/s/{}/analytics/pupils?{query}", school.0));
                    }
                }
                line
            })
            .collect();
        let cohorts = Table {
            id: "cohorts",
            caption: "Attendance by cohort, with each cohort's gap to all pupils and change since last year".to_owned(),
            columns: CohortReport::COLUMNS.to_vec(),
            rows,
            band_column: CohortReport::COLUMNS
                .iter()
                .position(|c| *c == "attendance_pct"),
        };
        let mut classes = data.cohort_report(calendar, Cut::RegGroup, period, today);
        crate::api::analytics::suppress_for(access, &mut classes);
        Ok(Dashboard {
            classes: ranked(&classes, &access.policy),
            cohorts,
            report,
            patterns: super::analytics_patterns::patterns(&data.register, today),
            // Pupils by name only for those who may see them: not a trust's or the LA's roles.
            watch: match may_see_pupils {
                true => super::analytics_patterns::watch_lists(&data, calendar, today, school.0),
                false => Vec::new(),
            },
        })
    }

    /// Every table.
    fn into_tables(self) -> impl Iterator<Item = Table> {
        std::iter::once(self.cohorts)
            .chain(std::iter::once(self.classes))
            .chain(self.patterns.tables())
            .chain(self.watch)
    }
}

/// The Analysis page's tables, for the API: the rows the page shows.
pub(crate) async fn analysis_tables(
    state: &AppState,
    access: &Access,
    period: Period,
    cut: Cut,
) -> Result<Tables, AppError> {
    let dashboard = Dashboard::build(state, access, period, cut).await?;
    let range = dashboard.report.range;
    Ok(Tables {
        from: range.first.to_string(),
        to: range.last.to_string(),
        tables: dashboard
            .into_tables()
            .map(|t| TableBody::from(&t))
            .collect(),
    })
}

/// Classes ranked by attendance over the period, best first (seed 002's class of the week).
fn ranked(report: &CohortReport, policy: &rollcall_core::Policy) -> Table {
    let mut rows: Vec<_> = report
        .rows
        .iter()
        .filter(|r| !r.suppressed && r.now.tally.possible > 0)
        .collect();
    rows.sort_by(|a, b| {
        b.now
            .tally
            .attendance_rate()
            .cmp(&a.now.tally.attendance_rate())
            .then_with(|| a.cohort.cmp(&b.cohort))
    });
    Table {
        id: "classes",
        caption: "Classes ranked by attendance over the period".to_owned(),
        columns: vec![
            "Class",
            "Rank",
            "Attendance",
            "Change since last year (points)",
            "Persistently absent",
            "Late (L and U)",
        ],
        rows: rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let rate = r.now.tally.attendance_rate();
                let change = r
                    .last_year
                    .as_ref()
                    .and_then(|l| gap(rate, l.tally.attendance_rate()));
                let mut row = Row::new(vec![
                    r.cohort.clone(),
                    (i + 1).to_string(),
                    crate::view::percent(rate),
                    change.map(points).unwrap_or_default(),
                    r.now.persistent.to_string(),
                    (r.now.tally.late_before_close + r.now.tally.late_after_close).to_string(),
                ]);
                row.band = band(policy, rate);
                row
            })
            .collect(),
        band_column: Some(2),
    }
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
    let dashboard = Dashboard::build(&state, &access, period, cut).await?;
    let report = &dashboard.report;
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
        headlines: headlines(report, &national, access.policy.school.phase, &mut sources),
        definitions: DEFINITIONS,
        csv: format!("/s/{school}/analytics/cohorts.csv?{query}"),
        query,
        sources,
        may_see_pupils: access.permits(Permission::ViewAnyPupil),
        may_work_cases: access.permits(Permission::WorkCases),
        cohorts: dashboard.cohorts,
        classes: dashboard.classes,
        patterns: dashboard.patterns,
        watch: dashboard.watch,
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
        &access.policy,
        cut,
        period,
        state.local_now().datetime(),
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

/// One of the page's tables as CSV, from the same rows the page shows.
async fn table_csv(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, table)): Path<(i64, String)>,
    Query(choice): Query<Choice>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::ViewStatistics, "see the school's attendance")?;
    let (period, cut) = choice.read()?;
    let id = table.strip_suffix(".csv").unwrap_or(&table).to_owned();
    let dashboard = Dashboard::build(&state, &access, period, cut).await?;
    let range = dashboard.report.range;
    let table = dashboard
        .into_tables()
        .find(|t| t.id == id)
        .ok_or(AppError::NotFound("no such table"))?;
    Ok(crate::letters::csv_response(
        table.to_csv()?,
        &format!("{id}-{}-{}.csv", range.first, range.last),
    ))
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{school}/analytics", get(analytics))
        .route("/s/{school}/analytics/cohorts.csv", get(cohorts_csv))
        .route("/s/{school}/analytics/tables/{table}", get(table_csv))
}
