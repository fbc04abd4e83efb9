//! A trust's or local authority's schools side by side (seed 001: the trust's dashboard,
//! benchmarked against national data): each school's attendance, authorised and unauthorised
//! absence, persistent and severe absence over a period, its change since the same dates last
//! year, and all the schools together, computed live from the same statistics as each school's
//! own Analysis page. Only schools where the person holds a role that may compare them.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use rollcall_analytics::{Cut, Period, gap, points};
use rollcall_core::{GroupSummary, Permission, Rate};
use rollcall_store::analytics::SchoolData;
use rollcall_store::{SchoolRecord, StaffUser};
use serde::Deserialize;

use crate::AppState;
use crate::api::analytics::CohortQuery;
use crate::auth::Staff;
use crate::error::AppError;
use crate::view::percent;

/// The schools where a member of staff may compare schools.
pub(super) async fn schools_compared(
    state: &AppState,
    user: &StaffUser,
) -> Result<Vec<SchoolRecord>, AppError> {
    let mut schools = Vec::new();
    for (school, role) in state.store.roles(user.id).await? {
        if role.permits(Permission::CompareSchools)
            && !schools.iter().any(|s: &SchoolRecord| s.id == school)
        {
            schools.push(state.store.school(school).await?);
        }
    }
    Ok(schools)
}

#[derive(Deserialize)]
struct CompareQuery {
    period: Option<String>,
    sort: Option<String>,
}

/// A school's line.
struct Line {
    school: Option<i64>,
    name: String,
    pupils_text: String,
    attendance: String,
    change: String,
    authorised: String,
    unauthorised: String,
    persistent: String,
    severe: String,
    /// For sorting: attendance in hundredths, lowest first when asked.
    sort_key: (u64, u64, u64),
}

#[derive(Template, WebTemplate)]
#[template(path = "compare.html")]
struct ComparePage {
    periods: Vec<(&'static str, &'static str)>,
    period: &'static str,
    sort: String,
    lines: Vec<Line>,
    all: Line,
}

fn line<K, L>(
    school: Option<i64>,
    name: String,
    now: &GroupSummary<K>,
    before: Option<&GroupSummary<L>>,
) -> Line {
    let attendance = now.tally.attendance_rate();
    Line {
        school,
        name,
        pupils_text: now.pupils.to_string(),
        attendance: percent(attendance),
        change: gap(attendance, before.and_then(|b| b.tally.attendance_rate()))
            .map(points)
            .unwrap_or_default(),
        authorised: percent(now.tally.authorised_rate()),
        unauthorised: percent(now.tally.unauthorised_rate()),
        persistent: percent(now.persistent_rate()),
        severe: percent(now.severe_rate()),
        sort_key: (
            attendance.map_or(0, Rate::hundredths),
            now.persistent_rate().map_or(0, Rate::hundredths),
            now.severe_rate().map_or(0, Rate::hundredths),
        ),
    }
}

async fn compare(
    State(state): State<AppState>,
    Staff(user): Staff,
    Query(query): Query<CompareQuery>,
) -> Result<ComparePage, AppError> {
    let schools = schools_compared(&state, &user).await?;
    if schools.is_empty() {
        return Err(AppError::Forbidden(
            "Your roles do not include comparing schools.".into(),
        ));
    }
    let (period, _) = CohortQuery::read(query.period.as_deref(), None)?;
    let today = state.local_now().date();
    let mut lines = Vec::new();
    let mut all_now = GroupSummary::new(());
    let mut all_before = GroupSummary::new(());
    let roles = state.store.roles(user.id).await?;
    for school in &schools {
        let sees_pupils = roles
            .iter()
            .any(|(s, r)| *s == school.id && r.permits(Permission::ViewAnyPupil));
        let policy = state.policies.get(school)?;
        let data = SchoolData::load(state.store.as_ref(), school.id).await?;
        let report = data.cohort_report(&policy.calendar, Cut::All, period, today);
        all_now.merge(&report.all.now);
        if let Some(before) = &report.all.last_year {
            all_before.merge(before);
        }
        let mut school_line = line(
            Some(school.id.0),
            school.name.clone(),
            &report.all.now,
            report.all.last_year.as_ref(),
        );
        // A school too small to show to someone who may not see its pupils (its policy's
        // small_cohort): its figures are withheld, as the DfE suppresses small counts.
        if !sees_pupils && report.all.now.pupils < policy.small_cohort {
            let c = || "c".to_owned();
            school_line = Line {
                pupils_text: format!("fewer than {}", policy.small_cohort),
                attendance: c(),
                change: c(),
                authorised: c(),
                unauthorised: c(),
                persistent: c(),
                severe: c(),
                ..school_line
            };
        }
        lines.push(school_line);
    }
    let sort = query.sort.unwrap_or_else(|| "attendance".to_owned());
    match sort.as_str() {
        "persistent" => lines.sort_by_key(|l| std::cmp::Reverse(l.sort_key.1)),
        "severe" => lines.sort_by_key(|l| std::cmp::Reverse(l.sort_key.2)),
        "name" => lines.sort_by(|a, b| a.name.cmp(&b.name)),
        _ => lines.sort_by_key(|l| l.sort_key.0),
    }
    let before = (all_before.pupils > 0).then_some(&all_before);
    Ok(ComparePage {
        periods: Period::NAMED.iter().map(|p| (p.id(), p.title())).collect(),
        period: period.id(),
        sort,
        all: line(None, "All these schools".to_owned(), &all_now, before),
        lines,
    })
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/compare", get(compare))
}
