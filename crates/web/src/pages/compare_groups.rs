//! The trust's vulnerable-pupil dashboard (seed 001 §"Monitoring": "half termly, termly and
//! annual attendance analysis of all pupils … and pupil groups will form Trust Vulnerable Pupil
//! Dashboard … benchmarked against … National data"): each school's attendance and persistent
//! absence for each vulnerable group side by side, all the schools together, and England where
//! the DfE publishes the figure. Groups too small to show without identifying a pupil are
//! withheld, as on each school's own page.

use std::pin::pin;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::StreamExt;
use rollcall_analytics::{CohortReport, Cut, Measure, National, Period};
use rollcall_core::text::human_date;
use rollcall_core::{GroupSummary, Permission};
use rollcall_store::StaffUser;
use serde::Deserialize;

use super::analytics_tables::{Row, Table, TableBody, Tables};
use super::compare::{each_school_reports, schools_compared};
use crate::AppState;
use crate::api::analytics::CohortQuery;
use crate::auth::Staff;
use crate::error::AppError;
use crate::view::percent;

/// The groups, each a cohort of a cut, as the seed lists them.
const GROUPS: [(Cut, &str, &str); 8] = [
    (Cut::All, "All pupils", "All pupils"),
    (Cut::PupilPremium, "Pupil premium", "Pupil premium"),
    (Cut::Fsm, "Free school meals", "FSM"),
    (Cut::Sen, "SEN support (K)", "SEN support"),
    (Cut::Sen, "EHC plan (E)", "EHC plan"),
    (Cut::Eal, "EAL", "EAL"),
    (Cut::LookedAfter, "Looked after", "Looked after"),
    (
        Cut::ChildInNeed,
        "Child in need or protection plan",
        "CIN or CP",
    ),
];

#[derive(Deserialize)]
struct GroupsQuery {
    period: Option<String>,
    /// `attendance` or `persistent` as CSV.
    csv: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "compare_groups.html")]
struct GroupsPage {
    periods: Vec<(&'static str, &'static str)>,
    period: &'static str,
    dates: String,
    attendance: Table,
    persistent: Table,
    source: String,
}

/// A group's figures at one school: shown, or withheld.
type Cell = Option<GroupSummary<rollcall_analytics::Cohort>>;

/// Each group's row of a school's reports: its figures, or none when withheld or empty.
fn cells(reports: &[CohortReport]) -> Vec<Cell> {
    GROUPS
        .iter()
        .map(|(cut, cohort, _)| {
            let report = reports.iter().find(|r| r.cut == *cut)?;
            let row = std::iter::once(&report.all)
                .chain(&report.rows)
                .find(|r| r.cohort == *cohort)?;
            (!row.suppressed).then(|| row.now.clone())
        })
        .collect()
}

/// The two tables, England's source and the dates.
struct Groups {
    attendance: Table,
    persistent: Table,
    source: String,
    range: rollcall_core::DateRange,
}

/// Each vulnerable group's attendance and persistent absence at each school compared, for the
/// API.
pub(crate) async fn group_tables(
    state: &AppState,
    user: &StaffUser,
    period: Period,
) -> Result<Tables, AppError> {
    let g = build(state, user, period).await?;
    Ok(Tables {
        from: g.range.first.to_string(),
        to: g.range.last.to_string(),
        tables: [&g.attendance, &g.persistent].map(TableBody::from).into(),
    })
}

async fn groups(
    State(state): State<AppState>,
    Staff(user): Staff,
    Query(query): Query<GroupsQuery>,
) -> Result<Response, AppError> {
    let (period, _) = CohortQuery::read(query.period.as_deref(), None)?;
    let Groups {
        attendance,
        persistent,
        source,
        range,
    } = build(&state, &user, period).await?;
    if let Some(which) = query.csv.as_deref() {
        let chosen = match which {
            "attendance" => attendance,
            "persistent" => persistent,
            _ => return Err(AppError::NotFound("no such table")),
        };
        return Ok(crate::letters::csv_response(
            chosen.to_csv()?,
            &format!("groups-{which}-{}.csv", period.id()),
        ));
    }
    Ok(GroupsPage {
        periods: Period::NAMED.iter().map(|p| (p.id(), p.title())).collect(),
        period: period.id(),
        dates: format!(
            "{} to {}",
            human_date(&range.first),
            human_date(&range.last)
        ),
        attendance,
        persistent,
        source,
    }
    .into_response())
}

async fn build(state: &AppState, user: &StaffUser, period: Period) -> Result<Groups, AppError> {
    let schools = schools_compared(state, user).await?;
    if schools.is_empty() {
        return Err(AppError::Forbidden(
            "Your roles do not include comparing schools.".into(),
        ));
    }
    let today = state.local_now().date();
    let roles = state.store.roles(user.id).await?;
    let mut lines: Vec<(String, Vec<Cell>)> = Vec::new();
    let mut totals: Vec<GroupSummary<rollcall_analytics::Cohort>> = GROUPS
        .iter()
        .map(|(_, name, _)| GroupSummary::new((0, (*name).to_owned())))
        .collect();
    let mut range = None;
    // The largest of the schools' small-cohort settings, for the totals, when the person may
    // not see every school's pupils.
    let mut withhold_below: Option<u64> = None;
    let mut cuts: Vec<Cut> = Vec::new();
    for (cut, _, _) in GROUPS {
        if !cuts.contains(&cut) {
            cuts.push(cut);
        }
    }
    let mut loaded = pin!(each_school_reports(state, &schools, &cuts, period, today));
    for school in &schools {
        let sees_pupils = roles
            .iter()
            .any(|(s, r)| *s == school.id && r.permits(Permission::ViewAnyPupil));
        let policy = state.policies.get(school)?;
        let Some(reports) = loaded.next().await else {
            break;
        };
        // Every pupil counts in the trust's total, whatever is withheld at one school.
        let mut reports = reports?;
        let whole = cells(&reports);
        for (total, cell) in totals.iter_mut().zip(&whole) {
            if let Some(c) = cell {
                total.merge(c);
            }
        }
        if !sees_pupils {
            withhold_below = withhold_below.max(Some(policy.small_cohort));
            for report in &mut reports {
                report.suppress(policy.small_cohort);
            }
        }
        if let Some(first) = reports.first() {
            range.get_or_insert(first.range);
        }
        lines.push((school.name.clone(), cells(&reports)));
    }
    let national = National::published().map_err(AppError::Internal)?;
    let table =
        |id: &'static str,
         measure: &dyn Fn(&GroupSummary<rollcall_analytics::Cohort>) -> String| {
            let mut rows: Vec<Row> = lines
                .iter()
                .map(|(name, cells)| {
                    let mut row = vec![name.clone()];
                    row.extend(
                        cells
                            .iter()
                            .map(|c| c.as_ref().map_or("c".to_owned(), measure)),
                    );
                    Row::new(row)
                })
                .collect();
            let mut all = vec!["All these schools".to_owned()];
            all.extend(totals.iter().map(|t| match withhold_below {
                Some(fewest) if t.pupils < fewest => "c".to_owned(),
                _ => measure(t),
            }));
            rows.push(Row::new(all));
            let mut columns = vec!["School"];
            columns.extend(GROUPS.iter().map(|(_, _, short)| *short));
            Table {
                id,
                caption: String::new(),
                columns,
                rows,
                band_column: None,
            }
        };
    let mut attendance = table("attendance", &|g| percent(g.tally.attendance_rate()));
    attendance.caption = "Attendance of each group at each school".to_owned();
    let mut persistent = table("persistent", &|g| percent(g.persistent_rate()));
    persistent.caption = "Persistent absence of each group at each school".to_owned();
    // England: published for all pupils only, not for these groups.
    let mut source = String::new();
    for (t, measure, attendance_of) in [
        (&mut attendance, Measure::OverallAbsence, true),
        (&mut persistent, Measure::PersistentAbsence, false),
    ] {
        let mut row = vec!["England, all state-funded schools".to_owned()];
        match national.figure(measure, None) {
            Some(f) => {
                let release = f.release;
                let shown = if attendance_of { f.attendance() } else { f };
                row.push(format!("{}%", shown.percent()));
                source = format!(
                    "{}, {}, published {}",
                    release.title,
                    release.period,
                    human_date(&release.released)
                );
            }
            None => row.push("not published".to_owned()),
        }
        row.extend((1..GROUPS.len()).map(|_| "not published".to_owned()));
        t.rows.push(Row::new(row));
    }
    let range = range.ok_or_else(|| AppError::Internal("no school to compare".into()))?;
    Ok(Groups {
        attendance,
        persistent,
        source,
        range,
    })
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/compare/groups", get(groups))
}
