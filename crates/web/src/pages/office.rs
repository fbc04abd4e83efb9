//! The attendance office: the day's missing registers and unexplained absences, and codes in
//! bulk.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::civil::Date;
use rollcall_core::{Code, Permission, Session};
use rollcall_store::{GroupId, SchoolId};
use serde::Deserialize;

use super::Chrome;
use super::casework::{DueLine, entry_kinds};
use super::form::{Draft, FormData};
use super::worklist::{Filter, Worklist, due_today};
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;
use crate::view::{CodeOption, codes_on, long_date, session_name, session_path, short_date};
use crate::work::{self, Sessions};

#[derive(Deserialize)]
struct DayQuery {
    date: Option<Date>,
}

#[derive(Deserialize)]
struct TodayQuery {
    date: Option<Date>,
    #[serde(flatten)]
    filter: Filter,
}

struct MissingRow {
    group: String,
    session: &'static str,
    pupils: usize,
    closed: String,
    href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "missing.html")]
struct MissingPartial {
    school: i64,
    date: Date,
    rows: Vec<MissingRow>,
    checked: String,
}

async fn missing_partial(
    state: &AppState,
    access: &Access,
    date: Date,
) -> Result<MissingPartial, AppError> {
    let rows = work::missing_registers(state, access, date)
        .await?
        .into_iter()
        .map(|r| MissingRow {
            href: format!(
                "/s/{}/registers/{}/{}/{}",
                access.school.id,
                r.group.id,
                r.key.date,
                session_path(r.key.session)
            ),
            group: r.group.name,
            session: session_name(r.key.session),
            pupils: r.pupils,
            closed: work::closes(access, r.key.session)
                .strftime("%H:%M")
                .to_string(),
        })
        .collect();
    Ok(MissingPartial {
        school: access.school.id.0,
        date,
        rows,
        checked: state.local_now().strftime("%H:%M:%S").to_string(),
    })
}

/// Missing registers alone, for the Today page to refresh every half minute.
async fn missing(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    Query(query): Query<DayQuery>,
) -> Result<MissingPartial, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let date = query.date.unwrap_or(state.local_now().date());
    missing_partial(&state, &access, date).await
}

struct ContactLine {
    name: String,
    relationship: String,
    phones: Vec<String>,
}

struct AbsenceLine {
    key: i64,
    name: String,
    group: String,
    sessions: String,
    session_value: &'static str,
    contacts: Vec<ContactLine>,
    /// The first-day actions the policy asks for.
    due: Vec<DueLine>,
}

#[derive(Template, WebTemplate)]
#[template(path = "office.html")]
struct OfficePage {
    chrome: Chrome,
    day: String,
    date: Date,
    registers: usize,
    taken: usize,
    missing: String,
    absences: Vec<AbsenceLine>,
    codes: Vec<CodeOption>,
    /// Today's worklist, for those who work it.
    worklist: Option<Worklist>,
    entry_kinds: Vec<(&'static str, &'static str)>,
    /// Where the forms return to.
    back: String,
    /// Returns to the local authority due.
    returns: Vec<super::returns::TodayReturn>,
}

async fn office(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    Query(query): Query<TodayQuery>,
) -> Result<OfficePage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::ViewOfficeLists, "see the office's lists")?;
    let date = query.date.unwrap_or(state.local_now().date());
    let filter = query.filter;
    let back = match filter.is_everything() {
        true => format!("/s/{school}/office"),
        false => format!("/s/{school}/office?{}", filter.query()),
    };
    let registers = work::registers_of_day(&state, &access, date).await?;
    let missing = missing_partial(&state, &access, date)
        .await?
        .render()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let today = date == state.local_now().date() && access.permits(Permission::WorkCases);
    let due = if today {
        due_today(&state, &access).await?
    } else {
        Vec::new()
    };
    let mut absences: Vec<AbsenceLine> = work::unexplained_absences(&state, &access, date)
        .await?
        .into_iter()
        .map(|a| AbsenceLine {
            key: a.pupil.key.0,
            name: a.pupil.pupil.name(),
            group: a.group,
            sessions: a
                .sessions
                .iter()
                .map(|s| session_name(*s).to_lowercase())
                .collect::<Vec<_>>()
                .join(" and "),
            session_value: match a.sessions.as_slice() {
                [Session::Pm] => "pm",
                [Session::Am] => "am",
                _ => "both",
            },
            contacts: a
                .contacts
                .into_iter()
                .map(|c| ContactLine {
                    name: c.contact.name,
                    relationship: c.contact.relationship,
                    phones: c.contact.phones,
                })
                .collect(),
            due: Vec::new(),
        })
        .collect();
    // First-day actions go with the absence they are for; the rest in the worklist.
    let mut rest = Vec::new();
    for line in due {
        let first_day = line.item.starts_with("first_day.") || line.item.starts_with("welfare.");
        match absences.iter_mut().find(|a| a.key == line.pupil) {
            Some(absence) if first_day => absence.due.push(line),
            _ => rest.push(line),
        }
    }
    let reasons = [
        Code::Illness,
        Code::Medical,
        Code::ExceptionalLeave,
        Code::Religious,
        Code::Holiday,
        Code::OtherUnauthorised,
        Code::ArrivedAfterClose,
        Code::Late,
    ];
    let returns = match today && access.permits(Permission::MakeReturns) {
        true => super::returns::for_today(&state, &access).await?,
        false => Vec::new(),
    };
    Ok(OfficePage {
        returns,
        chrome: Chrome::new(&access, "office"),
        day: long_date(date),
        date,
        taken: registers
            .iter()
            .filter(|r| r.taken.is_some() || r.complete)
            .count(),
        registers: registers.len(),
        missing,
        absences,
        codes: reasons.into_iter().map(CodeOption::of).collect(),
        worklist: today.then(|| Worklist::new(school, rest, filter, &access.user.position)),
        entry_kinds: entry_kinds(),
        back,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "bulk.html")]
struct BulkPage {
    chrome: Chrome,
    /// (value, label): the whole school, then each group.
    groups: Vec<(String, String)>,
    codes: Vec<(&'static str, String)>,
    today: Date,
    /// The form as sent, when it was refused.
    form: Draft,
    result: Option<String>,
    skipped: Vec<(String, String, String)>,
}

async fn bulk_page(state: &AppState, access: &Access, form: Draft) -> Result<BulkPage, AppError> {
    access.require(Permission::BulkCodes, "enter codes in bulk")?;
    let today = state.local_now().date();
    let groups = std::iter::once((String::new(), "The whole school".to_owned()))
        .chain(
            state
                .store
                .groups(access.school.id)
                .await?
                .into_iter()
                .map(|g| (g.id.0.to_string(), g.name)),
        )
        .collect();
    // A bulk change records where pupils are, or why they cannot be: not a planned closure,
    // which belongs in the calendar.
    let codes = codes_on(today)
        .into_iter()
        .filter(|c| *c != Code::PlannedClosure && *c != Code::Prospective)
        .map(CodeOption::of)
        .map(|o| (o.symbol, o.label))
        .collect();
    Ok(BulkPage {
        chrome: Chrome::new(access, "bulk"),
        groups,
        codes,
        today,
        form,
        result: None,
        skipped: Vec::new(),
    })
}

async fn bulk_form(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
) -> Result<BulkPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    bulk_page(&state, &access, Draft::default()).await
}

async fn bulk_submit(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    crate::limits::Form(fields): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let f = FormData(fields);
    let mut draft = Draft::of(f.0.clone());
    let group = match f.get("group") {
        "" => Some(None),
        id => draft.check(
            "group",
            id.parse::<i64>()
                .map(|id| Some(GroupId(id)))
                .map_err(|_| AppError::BadRequest("choose a group".into())),
        ),
    };
    let first = draft.check("first", f.date("first", "The first day"));
    let last = draft.check("last", f.date("last", "The last day"));
    let sessions = draft.check("sessions", Sessions::parse(f.get("sessions")));
    let code = draft.check(
        "code",
        Code::parse(f.get("code")).map_err(|e| AppError::BadRequest(e.to_string())),
    );
    let reason = draft.check("reason", f.required("reason", "The reason"));
    let (Some(group), Some(first), Some(last), Some(sessions), Some(code), Some(reason)) =
        (group, first, last, sessions, code, reason)
    else {
        let page = bulk_page(&state, &access, draft).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let outcome = work::bulk(&state, &access, group, first, last, sessions, code, &reason).await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(error) => {
            draft.take(error, "code")?;
            let page = bulk_page(&state, &access, draft).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let mut page = bulk_page(&state, &access, Draft::of(f.0)).await?;
    page.result = Some(format!(
        "{code} entered for {} sessions; {} left as they were.",
        outcome.written,
        outcome.skipped.len()
    ));
    for (pupil, key, kept) in outcome.skipped {
        let name = state
            .store
            .pupil(pupil)
            .await
            .map(|p| p.pupil.name())
            .unwrap_or_default();
        page.skipped.push((
            name,
            format!("{} {}", short_date(key.date), key.session),
            format!("{kept}: {}", kept.meaning()),
        ));
    }
    Ok(page.into_response())
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{school}/office", get(office))
        .route("/s/{school}/office/missing", get(missing))
        .route("/s/{school}/office/items", get(super::worklist::more_items))
        .route("/s/{school}/office/bulk", get(bulk_form).post(bulk_submit))
}
