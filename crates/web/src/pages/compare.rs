//! A trust's or local authority's schools side by side (seed 001: the trust's dashboard,
//! benchmarked against national data): each school's attendance, authorised and unauthorised
//! absence, persistent and severe absence over a period, its change since the same dates last
//! year, and all the schools together, computed live from the same statistics as each school's
//! own Analysis page. Only schools where the person holds a role that may compare them.

use std::pin::pin;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use futures_util::{Stream, StreamExt, stream};
use jiff::civil::Date;
use rollcall_analytics::{CohortReport, Cut, Measure, National, Period, Rag, Targets, gap, points};
use rollcall_core::text::human_date;
use rollcall_core::{GroupSummary, Permission, Rate};
use rollcall_store::analytics::SchoolData;
use rollcall_store::{SchoolRecord, StaffUser, TrustId};
use serde::Deserialize;

use super::analytics_tables::{Row, Table, TableBody, Tables};
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

/// Schools whose registers are read at once when comparing them: reading a register waits on
/// the database about as long as it works, so a few at a time keep both busy.
const SCHOOLS_AT_ONCE: usize = 4;

/// Each school's cohort reports for these cuts, in the schools' order. Each school is read and
/// reported on in a task of its own, a few at a time, so that one school's register is built
/// and counted on one core while another's is read and counted on the other.
pub(super) fn each_school_reports<'a>(
    state: &'a AppState,
    schools: &'a [SchoolRecord],
    cuts: &'a [Cut],
    period: Period,
    today: Date,
) -> impl Stream<Item = Result<Vec<CohortReport>, AppError>> + 'a {
    stream::iter(schools)
        .map(move |school| {
            let (state, school, cuts) = (state.clone(), school.clone(), cuts.to_vec());
            async move {
                let mut task = StopsWhenDropped(tokio::spawn(async move {
                    let policy = state.policies.get(&school)?;
                    let data = SchoolData::load(state.store.as_ref(), school.id).await?;
                    Ok(cuts
                        .into_iter()
                        .map(|cut| data.cohort_report(&policy.calendar, cut, period, today))
                        .collect())
                }));
                (&mut task.0)
                    .await
                    .map_err(|e| AppError::Internal(format!("a school's figures: {e}")))?
            }
        })
        .buffered(SCHOOLS_AT_ONCE)
}

/// A school's task, stopped if the request that wanted its figures goes away first (the
/// browser left the page): otherwise it would read and count the school for no one.
struct StopsWhenDropped<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for StopsWhenDropped<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[derive(Deserialize)]
pub(crate) struct CompareQuery {
    pub(crate) period: Option<String>,
    pub(crate) sort: Option<String>,
    /// `csv` for the table as a file.
    pub(crate) format: Option<String>,
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
    /// Attendance and persistent absence against the trust's targets: class and name.
    attendance_rag: Option<(&'static str, &'static str)>,
    persistent_rag: Option<(&'static str, &'static str)>,
    /// For sorting: attendance in hundredths, lowest first when asked.
    sort_key: (u64, u64, u64),
}

/// A trust's targets, and whether this person may change them.
struct TrustTargets {
    trust: i64,
    name: String,
    targets: Option<Targets>,
    /// The targets as the page writes them: attendance, persistent absence, amber margin.
    shown: [String; 3],
    set_by: String,
    may_set: bool,
}

/// Hundredths of a point as a page writes them: "96.00".
fn two_places(h: u64) -> String {
    format!("{}.{:02}", h / 100, h % 100)
}

#[derive(Template, WebTemplate)]
#[template(path = "compare.html")]
struct ComparePage {
    periods: Vec<(&'static str, &'static str)>,
    period: &'static str,
    range: rollcall_core::DateRange,
    sort: String,
    lines: Vec<Line>,
    all: Line,
    /// The national figures for all schools, and their release.
    national: Option<(Line, String)>,
    trusts: Vec<TrustTargets>,
    error: Option<String>,
}

fn rag_class(rag: Rag) -> (&'static str, &'static str) {
    let class = match rag {
        Rag::Green => "band-good",
        Rag::Amber => "band-warn",
        Rag::Red => "band-poor",
    };
    (class, rag.name())
}

/// A school's line rated against its trust's targets.
fn rated(mut line: Line, rates: (Option<Rate>, Option<Rate>), targets: Option<&Targets>) -> Line {
    if let Some(t) = targets {
        line.attendance_rag = t.attendance(rates.0).map(rag_class);
        line.persistent_rag = t.persistent(rates.1).map(rag_class);
    }
    line
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
        attendance_rag: None,
        persistent_rag: None,
        sort_key: (
            attendance.map_or(0, Rate::hundredths),
            now.persistent_rate().map_or(0, Rate::hundredths),
            now.severe_rate().map_or(0, Rate::hundredths),
        ),
    }
}

impl ComparePage {
    /// The schools, all of them together and England, as the page shows them.
    fn table(&self) -> Table {
        let rag = |r: Option<(&str, &str)>| r.map(|(_, name)| name.to_owned()).unwrap_or_default();
        let row = |l: &Line| {
            Row::new(vec![
                l.name.clone(),
                l.pupils_text.clone(),
                l.attendance.clone(),
                rag(l.attendance_rag),
                l.change.clone(),
                l.authorised.clone(),
                l.unauthorised.clone(),
                l.persistent.clone(),
                rag(l.persistent_rag),
                l.severe.clone(),
            ])
        };
        Table {
            id: "schools",
            caption: "The schools side by side".to_owned(),
            columns: vec![
                "School",
                "Pupils",
                "Attendance",
                "Against the attendance target",
                "Change since last year (points)",
                "Authorised",
                "Unauthorised",
                "Persistent absence",
                "Against the persistent absence target",
                "Severe absence",
            ],
            rows: self
                .lines
                .iter()
                .chain(std::iter::once(&self.all))
                .chain(self.national.as_ref().map(|(n, _)| n))
                .map(row)
                .collect(),
            band_column: None,
        }
    }
}

/// The schools compared, for the API.
pub(crate) async fn compare_tables(
    state: &AppState,
    user: &StaffUser,
    query: CompareQuery,
) -> Result<Tables, AppError> {
    let page = page(state, user, query, None).await?;
    Ok(Tables {
        from: page.range.first.to_string(),
        to: page.range.last.to_string(),
        tables: vec![TableBody::from(&page.table())],
    })
}

async fn compare(
    State(state): State<AppState>,
    Staff(user): Staff,
    Query(query): Query<CompareQuery>,
) -> Result<Response, AppError> {
    let csv = query.format.as_deref() == Some("csv");
    let page = page(&state, &user, query, None).await?;
    if csv {
        return Ok(crate::letters::csv_response(
            page.table().to_csv()?,
            &format!(
                "schools-{}-{}-{}.csv",
                page.period, page.range.first, page.range.last
            ),
        ));
    }
    Ok(page.into_response())
}

/// The trusts of the schools compared, with their targets.
async fn trusts_of(
    state: &AppState,
    user: &StaffUser,
    schools: &[SchoolRecord],
) -> Result<Vec<TrustTargets>, AppError> {
    let roles = state.store.roles(user.id).await?;
    let mut trusts: Vec<TrustTargets> = Vec::new();
    for school in schools {
        let Some(trust) = school.trust else { continue };
        let may_set = roles
            .iter()
            .any(|(s, r)| *s == school.id && r.permits(Permission::SetTrustTargets));
        if let Some(known) = trusts.iter_mut().find(|t| t.trust == trust.0) {
            known.may_set |= may_set;
            continue;
        }
        let held = state.store.trust_targets(trust).await?;
        trusts.push(TrustTargets {
            trust: trust.0,
            name: state.store.trust_name(trust).await?,
            set_by: held
                .as_ref()
                .map(|h| format!("{} on {}", h.by, human_date(&h.at.date())))
                .unwrap_or_default(),
            shown: held.as_ref().map_or(Default::default(), |h| {
                let t = h.targets;
                [t.attendance, t.persistent, t.amber].map(two_places)
            }),
            targets: held.map(|h| h.targets),
            may_set,
        });
    }
    Ok(trusts)
}

async fn page(
    state: &AppState,
    user: &StaffUser,
    query: CompareQuery,
    error: Option<String>,
) -> Result<ComparePage, AppError> {
    let schools = schools_compared(state, user).await?;
    if schools.is_empty() {
        return Err(AppError::Forbidden(
            "Your roles do not include comparing schools.".into(),
        ));
    }
    let (period, _) = CohortQuery::read(query.period.as_deref(), None)?;
    let today = state.local_now().date();
    let mut lines = Vec::new();
    let mut range = None;
    let mut all_now = GroupSummary::new(());
    let mut all_before = GroupSummary::new(());
    let roles = state.store.roles(user.id).await?;
    let trusts = trusts_of(state, user, &schools).await?;
    let targets_of = |school: &SchoolRecord| {
        let trust = school.trust?;
        trusts.iter().find(|t| t.trust == trust.0)?.targets.as_ref()
    };
    let mut loaded = pin!(each_school_reports(
        state,
        &schools,
        &[Cut::All],
        period,
        today
    ));
    for school in &schools {
        let sees_pupils = roles
            .iter()
            .any(|(s, r)| *s == school.id && r.permits(Permission::ViewAnyPupil));
        let policy = state.policies.get(school)?;
        let Some(reports) = loaded.next().await else {
            break;
        };
        let Some(report) = reports?.pop() else {
            break;
        };
        range.get_or_insert(report.range);
        all_now.merge(&report.all.now);
        if let Some(before) = &report.all.last_year {
            all_before.merge(before);
        }
        let now = &report.all.now;
        let mut school_line = rated(
            line(
                Some(school.id.0),
                school.name.clone(),
                now,
                report.all.last_year.as_ref(),
            ),
            (now.tally.attendance_rate(), now.persistent_rate()),
            targets_of(school),
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
                attendance_rag: None,
                persistent_rag: None,
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
    // All the schools together are rated when they are one trust's.
    let one_trust = match trusts.as_slice() {
        [only] if schools.iter().all(|s| s.trust.is_some()) => only.targets.as_ref(),
        _ => None,
    };
    let all = rated(
        line(None, "All these schools".to_owned(), &all_now, before),
        (all_now.tally.attendance_rate(), all_now.persistent_rate()),
        one_trust,
    );
    Ok(ComparePage {
        periods: Period::NAMED.iter().map(|p| (p.id(), p.title())).collect(),
        period: period.id(),
        range: range.ok_or_else(|| AppError::Internal("no school to compare".into()))?,
        sort,
        all,
        lines,
        national: national_line()?,
        trusts,
        error,
    })
}

/// England's published figures for all schools, as a line, with their release.
fn national_line() -> Result<Option<(Line, String)>, AppError> {
    let national = National::published().map_err(AppError::Internal)?;
    let figure = |m: Measure| national.figure(m, None);
    let Some(overall) = figure(Measure::OverallAbsence) else {
        return Ok(None);
    };
    let shown =
        |m: Measure| figure(m).map_or("not published".to_owned(), |f| format!("{}%", f.percent()));
    let source = format!(
        "{}, {}, published {}",
        overall.release.title,
        overall.release.period,
        human_date(&overall.release.released)
    );
    Ok(Some((
        Line {
            school: None,
            name: "England, all state-funded schools".to_owned(),
            pupils_text: String::new(),
            attendance: format!("{}%", overall.attendance().percent()),
            change: String::new(),
            authorised: shown(Measure::AuthorisedAbsence),
            unauthorised: shown(Measure::UnauthorisedAbsence),
            persistent: shown(Measure::PersistentAbsence),
            severe: shown(Measure::SevereAbsence),
            attendance_rag: None,
            persistent_rag: None,
            sort_key: (0, 0, 0),
        },
        source,
    )))
}

#[derive(Deserialize)]
struct TargetsForm {
    trust: i64,
    attendance: String,
    persistent: String,
    amber: String,
}

/// A percentage as typed ("96", "95.5"), in hundredths.
fn hundredths(text: &str, what: &str) -> Result<u64, String> {
    let refuse = || format!("{what} must be a percentage like 96 or 95.5 (not {text:?})");
    let value: f64 = text.trim().parse().map_err(|_| refuse())?;
    if !(0.0..=100.0).contains(&value) {
        return Err(refuse());
    }
    Ok((value * 100.0).round() as u64)
}

/// A trust's director sets the targets its schools are rated against.
async fn set_targets(
    State(state): State<AppState>,
    Staff(user): Staff,
    crate::limits::Form(form): crate::limits::Form<TargetsForm>,
) -> Result<Response, AppError> {
    let schools = schools_compared(&state, &user).await?;
    let trusts = trusts_of(&state, &user, &schools).await?;
    if !trusts.iter().any(|t| t.trust == form.trust && t.may_set) {
        return Err(AppError::Forbidden(
            "Only the trust's director sets its targets.".into(),
        ));
    }
    let read = || -> Result<Targets, String> {
        Ok(Targets {
            attendance: hundredths(&form.attendance, "The attendance target")?,
            persistent: hundredths(&form.persistent, "The persistent absence target")?,
            amber: hundredths(&form.amber, "The amber margin")?,
        })
    };
    let query = CompareQuery {
        period: None,
        sort: None,
        format: None,
    };
    match read() {
        Ok(targets) => {
            state
                .store
                .set_trust_targets(
                    TrustId(form.trust),
                    &targets,
                    &user.actor(),
                    state.local_now().datetime(),
                )
                .await?;
            Ok(Redirect::to("/compare").into_response())
        }
        Err(message) => {
            let page = page(&state, &user, query, Some(message)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/compare", get(compare))
        .route("/compare/targets", post(set_targets))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use super::StopsWhenDropped;

    #[tokio::test]
    async fn a_school_task_stops_when_its_request_goes() {
        let finished = Arc::new(AtomicBool::new(false));
        let flag = finished.clone();
        let task = StopsWhenDropped(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            flag.store(true, Ordering::SeqCst);
        }));
        drop(task);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!finished.load(Ordering::SeqCst), "the task ran on");
    }
}
