//! The half-termly quality-assurance report (seed 001 Annex 4a): the annex's figures assembled
//! from the register (last year and this period by group, the change, national, week by week,
//! the impact of letters and meetings, the context of the persistently absent), the senior
//! attendance champion's evaluation saved for the school and period, and the whole as a PDF.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use rollcall_analytics::caseload::{IMPACT_METHOD, impact};
use rollcall_analytics::qa::{QaFigures, qa_figures};
use rollcall_analytics::{Measure, National, Period, points};
use rollcall_core::text::human_date;
use rollcall_core::worklist::rule_title;
use rollcall_core::{Permission, Rate};
use rollcall_store::analytics::graduated_steps;
use rollcall_store::{Casebook, QaText, SchoolId};
use serde::Deserialize;

use super::Chrome;
use super::analytics_tables::{Row, Table, TableBody, Tables};
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;
use crate::view::percent;

#[derive(Deserialize)]
struct Choice {
    period: Option<String>,
}

#[derive(Deserialize)]
struct TextForm {
    period: String,
    evaluation: String,
    follow_up: String,
    staff: String,
}

/// The report: its tables and the context, as the page and the PDF give them.
struct Report {
    title: String,
    dates: String,
    range: rollcall_core::DateRange,
    tables: Vec<Table>,
    context: Vec<(String, String)>,
    national: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "qa.html")]
struct QaPage {
    chrome: Chrome,
    periods: Vec<(&'static str, &'static str)>,
    period: &'static str,
    report: Report,
    text: QaText,
    saved: String,
    method: &'static str,
}

/// The periods the annex is written for.
const PERIODS: [Period; 3] = [Period::HalfTerm, Period::Term, Period::YearToDate];

pub(crate) fn period_of(choice: Option<&str>) -> Result<Period, AppError> {
    match choice.filter(|p| !p.is_empty()) {
        None => Ok(Period::HalfTerm),
        Some(id) => PERIODS
            .into_iter()
            .find(|p| p.id() == id)
            .ok_or_else(|| AppError::BadRequest(format!("{id:?} is not a period of the report"))),
    }
}

fn allowed(access: &Access) -> Result<(), AppError> {
    access.require(Permission::ViewStatistics, "see the school's attendance")?;
    access.require(Permission::WorkCases, "write the attendance QA report")
}

/// The report's figures for a period, as tables.
async fn build(
    state: &AppState,
    access: &Access,
    period: Period,
) -> Result<(Report, String), AppError> {
    let now = state.local_now().datetime();
    let today = now.date();
    let book = Casebook::school(state.store.as_ref(), access.school.id, today).await?;
    let register = book.register();
    let policy = &access.policy;
    let f: QaFigures = qa_figures(register, &policy.calendar, period, today);
    let key = format!("{}:{}", period.id(), f.range.first);
    let rate = |r: Option<Rate>| percent(r);
    let summary = Table {
        id: "summary",
        caption: "Attendance and persistent absence by group".to_owned(),
        columns: vec![
            "Group",
            "Last year: attendance",
            "Last year: persistent absence",
            "This period: attendance",
            "Same dates last year",
            "Change (points)",
            "This period: persistent absence",
        ],
        rows: f
            .groups
            .iter()
            .map(|g| {
                Row::new(vec![
                    g.name.to_owned(),
                    rate(g.last_year.tally.attendance_rate()),
                    rate(g.last_year.persistent_rate()),
                    rate(g.now.tally.attendance_rate()),
                    rate(g.same_dates.tally.attendance_rate()),
                    g.change().map(points).unwrap_or_default(),
                    rate(g.now.persistent_rate()),
                ])
            })
            .collect(),
        band_column: None,
    };
    let weeks = Table {
        id: "weeks",
        caption: "Week by week".to_owned(),
        columns: vec!["Week beginning", "Attendance", "Same week last year"],
        rows: f
            .weeks
            .iter()
            .map(|(monday, now, then)| {
                Row::new(vec![
                    human_date(monday),
                    rate(now.attendance_rate()),
                    rate(then.and_then(|t| t.attendance_rate())),
                ])
            })
            .collect(),
        band_column: None,
    };
    let steps = graduated_steps(&book);
    let impact = Table {
        id: "impact",
        caption: "Pupils with attendance concerns: letters, meetings and plans, and their impact"
            .to_owned(),
        columns: vec![
            "Step",
            "Pupils",
            "Measured",
            "Improved",
            "Impact: improved attendance",
            "Mean change (points)",
        ],
        rows: impact(register, &steps, f.range, today)
            .into_iter()
            .map(|i| {
                Row::new(vec![
                    rule_title(&policy.procedures, &i.rule).unwrap_or_else(|| i.rule.clone()),
                    i.pupils.to_string(),
                    i.measured.to_string(),
                    i.improved.to_string(),
                    rate(Rate::new(i.improved, i.measured)),
                    i.mean_change.map(points).unwrap_or_default(),
                ])
            })
            .collect(),
        band_column: None,
    };
    let pa = f.persistent;
    let context = vec![
        (
            "Persistently absent this period".to_owned(),
            format!("{} pupils ({} of pupils)", pa.pupils, rate(pa.share)),
        ),
        (
            "Of them, pupil premium".to_owned(),
            pa.pupil_premium.to_string(),
        ),
        (
            "With a holiday the school did not grant (G)".to_owned(),
            pa.holidays.to_string(),
        ),
        (
            "On a part-time timetable (C2)".to_owned(),
            pa.part_time.to_string(),
        ),
        (
            "Suspended or excluded (E)".to_owned(),
            pa.suspended.to_string(),
        ),
    ];
    let published = National::published().map_err(AppError::Internal)?;
    let national = match published.figure(Measure::OverallAbsence, policy.school.phase) {
        Some(n) => {
            format!(
                "National attendance ({}): {}% ({}, {}).",
                n.phase,
                n.attendance().percent(),
                n.release.title,
                n.release.period
            )
        }
        None => "National attendance for this phase: not published.".to_owned(),
    };
    Ok((
        Report {
            title: format!("Attendance quality assurance: {}", access.school.name),
            dates: format!(
                "{} to {}; last year {} to {}",
                human_date(&f.range.first),
                human_date(&f.range.last),
                human_date(&f.last_year.first),
                human_date(&f.last_year.last)
            ),
            range: f.range,
            tables: vec![summary, weeks, impact],
            context,
            national,
        },
        key,
    ))
}

/// The report's figures for the API: its tables, and the context of the persistently absent as
/// one more.
pub(crate) async fn qa_tables(
    state: &AppState,
    access: &Access,
    period: Period,
) -> Result<Tables, AppError> {
    allowed(access)?;
    let (report, _) = build(state, access, period).await?;
    let context = Table {
        id: "context",
        caption: "The context of the persistently absent".to_owned(),
        columns: vec!["Figure", "Value"],
        rows: report
            .context
            .iter()
            .map(|(k, v)| Row::new(vec![k.clone(), v.clone()]))
            .collect(),
        band_column: None,
    };
    Ok(Tables {
        from: report.range.first.to_string(),
        to: report.range.last.to_string(),
        tables: report
            .tables
            .iter()
            .chain(std::iter::once(&context))
            .map(TableBody::from)
            .collect(),
    })
}

async fn show(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    Query(choice): Query<Choice>,
) -> Result<QaPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    allowed(&access)?;
    let period = period_of(choice.period.as_deref())?;
    let (report, key) = build(&state, &access, period).await?;
    let saved = state.store.qa_text(access.school.id, &key).await?;
    Ok(QaPage {
        chrome: Chrome::new(&access, "analytics"),
        periods: PERIODS.iter().map(|p| (p.id(), p.title())).collect(),
        period: period.id(),
        report,
        saved: saved
            .as_ref()
            .map(|s| format!("Saved by {} on {}.", s.by, human_date(&s.at.date())))
            .unwrap_or_default(),
        text: saved.map(|s| s.text).unwrap_or_default(),
        method: IMPACT_METHOD,
    })
}

async fn save(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    crate::limits::Form(form): crate::limits::Form<TextForm>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    allowed(&access)?;
    let period = period_of(Some(&form.period))?;
    let range = period.range(&access.policy.calendar, state.local_now().date());
    let key = format!("{}:{}", period.id(), range.first);
    let text = QaText {
        evaluation: form.evaluation.trim().to_owned(),
        follow_up: form.follow_up.trim().to_owned(),
        staff: form.staff.trim().to_owned(),
    };
    state
        .store
        .save_qa_text(
            access.school.id,
            &key,
            &text,
            &access.user.actor(),
            state.local_now().datetime(),
        )
        .await?;
    Ok(Redirect::to(&format!("/s/{school}/qa?period={}", period.id())).into_response())
}

async fn pdf(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    Query(choice): Query<Choice>,
) -> Result<Response, AppError> {
    use rollcall_letters::{Block, Section, report_pdf};
    let access = Access::load(&state, user, SchoolId(school)).await?;
    allowed(&access)?;
    let period = period_of(choice.period.as_deref())?;
    let (report, key) = build(&state, &access, period).await?;
    let text = state
        .store
        .qa_text(access.school.id, &key)
        .await?
        .map(|s| s.text)
        .unwrap_or_default();
    let table = |t: &Table| {
        Block::Table(rollcall_letters::Table {
            caption: t.caption.clone(),
            header: t.columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: t.rows.iter().map(|r| r.cells.clone()).collect(),
            highlight: None,
        })
    };
    let written = |s: &str| match s.is_empty() {
        true => "(not written)".to_owned(),
        false => s.to_owned(),
    };
    let mut findings: Vec<Block> = report.tables.iter().take(1).map(table).collect();
    findings.push(Block::Paragraph {
        text: report.national.clone(),
    });
    findings.push(Block::Fields {
        pairs: report.context.clone(),
    });
    let document = rollcall_letters::Report {
        title: report.title.clone(),
        subtitle: vec![report.dates.clone(), "Seed 001 Annex 4a".to_owned()],
        sections: vec![
            Section {
                heading: "Summary of findings".to_owned(),
                blocks: findings,
            },
            Section {
                heading: "Week by week, and the impact of actions".to_owned(),
                blocks: report.tables.iter().skip(1).map(table).collect(),
            },
            Section {
                heading: "Evaluation and follow-up".to_owned(),
                blocks: vec![Block::Fields {
                    pairs: vec![
                        ("Evaluation".to_owned(), written(&text.evaluation)),
                        ("Planned follow-up".to_owned(), written(&text.follow_up)),
                        ("Staff involved in the QA".to_owned(), written(&text.staff)),
                    ],
                }],
            },
        ],
    };
    let pdf = crate::letters::typeset(move || report_pdf(&document)).await?;
    Ok(crate::letters::pdf_response(
        pdf,
        &format!("attendance-qa-{key}.pdf").replace(':', "-"),
    ))
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{school}/qa", get(show).post(save))
        .route("/s/{school}/qa/pdf", get(pdf))
}
