//! A teacher's registers: today's list, and taking one.

use std::collections::BTreeSet;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use jiff::civil::{Date, Time};
use rollcall_core::{Code, Session, SessionKey};
use rollcall_store::{GroupId, MarkSource, PupilKey, RegisterSheet, SchoolId};
use serde::Deserialize;

use super::Chrome;
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;
use crate::view::{
    CodeOption, REGISTER_CODES, category_class, long_date, session_name, session_path,
};
use crate::work::{self, Entry};

pub(crate) struct RegisterRow {
    pub group: String,
    pub session: &'static str,
    pub href: String,
    pub status: String,
    pub current: bool,
    pub overdue: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "registers.html")]
struct RegistersPage {
    chrome: Chrome,
    day: String,
    rows: Vec<RegisterRow>,
}

#[derive(Deserialize)]
struct DayQuery {
    date: Option<Date>,
}

async fn registers(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    Query(query): Query<DayQuery>,
) -> Result<RegistersPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let now = state.local_now();
    let date = query.date.unwrap_or(now.date());
    let current = work::current_session(&access, &now);
    let mut rows = Vec::new();
    for status in work::registers_of_day(&state, &access, date).await? {
        let text = match &status.taken {
            Some(taken) => format!(
                "Taken at {} by {}",
                work::clock_time(&state, taken.at),
                taken.by
            ),
            None if status.complete => "Every pupil marked".to_owned(),
            None if status.overdue => "Not taken: overdue".to_owned(),
            None => format!(
                "To take: closes {}",
                work::closes(&access, status.key.session).strftime("%H:%M")
            ),
        };
        rows.push(RegisterRow {
            href: format!(
                "/s/{school}/registers/{}/{}/{}",
                status.group.id,
                status.key.date,
                session_path(status.key.session)
            ),
            group: status.group.name.clone(),
            session: session_name(status.key.session),
            status: text,
            current: date == now.date() && status.key.session == current,
            overdue: status.overdue,
        });
    }
    Ok(RegistersPage {
        chrome: Chrome::new(&access, "registers"),
        day: long_date(date),
        rows,
    })
}

struct PupilLine {
    key: i64,
    name: String,
    planned: Option<String>,
    planned_class: &'static str,
    chosen: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "register.html")]
struct RegisterPage {
    chrome: Chrome,
    group: String,
    session: &'static str,
    day: String,
    late_after: String,
    closes: String,
    taken: Option<String>,
    error: Option<String>,
    rows: Vec<PupilLine>,
    codes: Vec<CodeOption>,
    needs_reason: bool,
    reason: String,
}

/// The choice a held mark shows as.
fn choice_of(code: Code) -> String {
    match code {
        Code::PresentAm | Code::PresentPm => "present".into(),
        Code::Late => "late".into(),
        other => other.symbol().into(),
    }
}

fn parse_session(text: &str) -> Result<Session, AppError> {
    Session::parse(text).map_err(|_| AppError::NotFound("session"))
}

fn page(
    state: &AppState,
    access: &Access,
    sheet: &RegisterSheet,
    chosen: &dyn Fn(PupilKey) -> Option<String>,
    error: Option<String>,
    reason: String,
) -> RegisterPage {
    let times = access.policy.times(sheet.key.session);
    let rows = sheet
        .rows
        .iter()
        .map(|row| {
            let planned = row
                .mark
                .as_ref()
                .filter(|m| m.source == MarkSource::Planned);
            PupilLine {
                key: row.pupil.key.0,
                name: row.pupil.pupil.name(),
                planned: planned.map(|m| match &m.comment {
                    Some(comment) => format!("{}: {} ({comment})", m.code, m.code.meaning()),
                    None => format!("{}: {}", m.code, m.code.meaning()),
                }),
                planned_class: planned.map_or("", |m| category_class(m.code)),
                chosen: chosen(row.pupil.key)
                    .or_else(|| row.mark.as_ref().map(|m| choice_of(m.code)))
                    .unwrap_or_default(),
            }
        })
        .collect();
    RegisterPage {
        chrome: Chrome::new(access, "registers"),
        group: sheet.group.name.clone(),
        session: session_name(sheet.key.session),
        day: long_date(sheet.key.date),
        late_after: times.late_after.strftime("%H:%M").to_string(),
        closes: times.register_closes.strftime("%H:%M").to_string(),
        taken: sheet.taken.as_ref().map(|t| {
            format!(
                "Taken at {} by {}. A change to a mark now is an amendment: give the reason, and it is kept with the original.",
                work::clock_time(state, t.at),
                t.by
            )
        }),
        error,
        rows,
        codes: REGISTER_CODES.iter().copied().map(CodeOption::of).collect(),
        needs_reason: sheet.taken.is_some()
            || sheet.rows.iter().any(|r| r.mark.as_ref().is_some_and(|m| m.source == MarkSource::Planned)),
        reason,
    }
}

async fn register(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, group, date, session)): Path<(i64, i64, Date, String)>,
) -> Result<RegisterPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let key = SessionKey {
        date,
        session: parse_session(&session)?,
    };
    if !access.policy.calendar.is_open(key.slot()) {
        return Err(AppError::NotFound("school session"));
    }
    let sheet = work::sheet(&state, &access, GroupId(group), key).await?;
    Ok(page(
        &state,
        &access,
        &sheet,
        &|_| None,
        None,
        String::new(),
    ))
}

/// The entries of a submitted register form, by pupil: each pupil's `mark_` choice, or the code
/// chosen from their `other_` list, which wins. A pupil left without either is not entered, and
/// the store names them.
fn entries(form: &[(String, String)]) -> Result<Vec<(PupilKey, Entry)>, String> {
    let field = |name: String| {
        form.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let pupils: BTreeSet<i64> = form
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("mark_").or_else(|| k.strip_prefix("other_")))
        .filter_map(|id| id.parse().ok())
        .collect();
    let mut entries = Vec::with_capacity(pupils.len());
    for key in pupils {
        let choice = field(format!("other_{key}")).or_else(|| field(format!("mark_{key}")));
        let entry = match choice {
            None => continue,
            Some("present") => Entry::Present,
            Some("late") => Entry::Late {
                at: field(format!("late_at_{key}")).and_then(|t| t.parse::<Time>().ok()),
            },
            Some(symbol) => Entry::Code(Code::parse(symbol).map_err(|e| e.to_string())?),
        };
        entries.push((PupilKey(key), entry));
    }
    Ok(entries)
}

async fn submit(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, group, date, session)): Path<(i64, i64, Date, String)>,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let key = SessionKey {
        date,
        session: parse_session(&session)?,
    };
    let reason = form
        .iter()
        .find(|(k, _)| k == "reason")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let taken = match entries(&form) {
        Ok(entries) => {
            work::take_register(
                &state,
                &access,
                GroupId(group),
                key,
                &entries,
                Some(reason.clone()),
            )
            .await
        }
        Err(message) => Err(AppError::BadRequest(message)),
    };
    let error = match taken {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/s/{school}/registers?date={date}")).into_response());
        }
        Err(AppError::BadRequest(message)) => message,
        Err(other) => return Err(other),
    };
    // Shown again, as the teacher left it, with what is wrong.
    let sheet = work::sheet(&state, &access, GroupId(group), key).await?;
    let chosen = |pupil: PupilKey| {
        let get = |name: String| {
            form.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        };
        get(format!("other_{pupil}"))
            .filter(|v| !v.is_empty())
            .or_else(|| get(format!("mark_{pupil}")))
    };
    let page = page(&state, &access, &sheet, &chosen, Some(error), reason);
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{school}/registers", get(registers))
        .route(
            "/s/{school}/registers/{group}/{date}/{session}",
            get(register).post(submit),
        )
}
