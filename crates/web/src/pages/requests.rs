//! The office's side of the parent portal: reports of absence and leave requests to decide,
//! invitations, and the wording of the school's messages.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::civil::Date;
use rollcall_core::{Code, Opened, Permission};
use rollcall_letters::LetterKind;
use rollcall_messages::Kind;
use rollcall_store::{ContactId, PupilKey, SchoolId};
use serde::Deserialize;

use super::Chrome;
use super::form::{Draft, FormData, Refused};
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;
use crate::outbox::templates;
use crate::requests::{self, LeaveChoice, ReportChoice, days_text, sessions_text};
use crate::view::{CodeOption, codes_on};

struct ReportLine {
    /// Its form's name on the page.
    form: String,
    id: i64,
    pupil: i64,
    name: String,
    group: String,
    parent: String,
    dates: String,
    reason: &'static str,
    usual: &'static str,
    details: String,
    at: String,
    status: &'static str,
}

struct LeaveLine {
    /// Its form's name on the page.
    form: String,
    id: i64,
    pupil: i64,
    name: String,
    group: String,
    parent: String,
    dates: String,
    first: Date,
    last: Date,
    kind: &'static str,
    reason: String,
    document: Option<String>,
    at: String,
}

struct DoneLine {
    name: String,
    what: String,
    status: &'static str,
    by: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "requests.html")]
struct RequestsPage {
    chrome: Chrome,
    notice: Option<String>,
    reports: Vec<ReportLine>,
    leave: Vec<LeaveLine>,
    decided: Vec<DoneLine>,
    codes: Vec<CodeOption>,
    may_decide_leave: bool,
    leave_who: String,
    /// A decision's form sent and refused, shown again as it was sent.
    refused: Refused,
    /// The codes leave may be granted with: (value, label).
    leave_codes: Vec<(&'static str, &'static str)>,
    /// Parents' requests to change their details.
    details: Vec<super::details::DetailsLine>,
}

#[derive(Deserialize)]
struct Notice {
    #[serde(default)]
    done: String,
}

async fn page(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    Query(notice): Query<Notice>,
) -> Result<RequestsPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    requests_page(&state, &access, notice.done, Refused::default()).await
}

/// The page again with one decision's form as it was sent and what is wrong with it.
async fn refused_decision(
    state: &AppState,
    access: &Access,
    form: String,
    mut draft: Draft,
    error: AppError,
    otherwise: &'static str,
) -> Result<Response, AppError> {
    draft.take(error, otherwise)?;
    let page = requests_page(state, access, String::new(), Refused { form, draft }).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn requests_page(
    state: &AppState,
    access: &Access,
    done: String,
    refused: Refused,
) -> Result<RequestsPage, AppError> {
    access.require(Permission::HandleAbsenceReports, "see parents' requests")?;
    let today = state.local_now().date();
    let pupils: std::collections::HashMap<_, _> = state
        .store
        .pupils(access.school.id)
        .await?
        .into_iter()
        .map(|p| (p.key, p))
        .collect();
    let who = |key: PupilKey| {
        pupils
            .get(&key)
            .map_or((String::new(), String::new()), |p| {
                (p.pupil.name(), p.pupil.reg_group.clone())
            })
    };
    let when = |at: jiff::civil::DateTime| at.strftime("%-d %b %H:%M").to_string();
    let mut decided = Vec::new();
    let mut reports = Vec::new();
    for r in state.store.absence_reports(access.school.id).await? {
        let (name, group) = who(r.report.pupil);
        let dates = sessions_text(r.report.first, r.report.last);
        if r.status.is_open() {
            reports.push(ReportLine {
                form: format!("report-{}", r.id),
                id: r.id,
                pupil: r.report.pupil.0,
                name,
                group,
                parent: r.parent_name,
                dates,
                reason: r.report.reason.title(),
                usual: r.report.reason.usual_code().symbol(),
                details: r.report.details,
                at: when(r.report.at),
                status: r.status.title(),
            });
        } else if decided.len() < 20 {
            decided.push(DoneLine {
                name,
                what: format!("Absence {dates}"),
                status: r.status.title(),
                by: r.answer.map(|a| a.by).unwrap_or_default(),
            });
        }
    }
    let mut leave = Vec::new();
    for l in state.store.leave_requests(access.school.id).await? {
        let (name, group) = who(l.request.pupil);
        let dates = days_text(l.request.first, l.request.last);
        if l.status.is_open() {
            leave.push(LeaveLine {
                form: format!("leave-{}", l.id),
                id: l.id,
                pupil: l.request.pupil.0,
                name,
                group,
                parent: l.parent_name,
                dates,
                first: l.request.first,
                last: l.request.last,
                kind: l.request.kind.title(),
                reason: l.request.reason,
                document: l.document_name,
                at: when(l.request.at),
            });
        } else if decided.len() < 40 {
            decided.push(DoneLine {
                name,
                what: format!("Leave {dates}"),
                status: l.status.title(),
                by: l.answer.map(|a| a.by).unwrap_or_default(),
            });
        }
    }
    let details = super::details::pending(state, access).await?;
    Ok(RequestsPage {
        details,
        chrome: Chrome::new(access, "requests"),
        notice: (!done.is_empty()).then_some(done),
        refused,
        leave_codes: vec![
            ("", "As the kind of leave calls for"),
            ("C", "C — exceptional circumstances"),
            ("R", "R — religious observance"),
            ("M", "M — medical or dental"),
            ("J1", "J1 — interview"),
            ("S", "S — study leave"),
        ],
        reports,
        leave,
        decided,
        codes: codes_on(today).into_iter().map(CodeOption::of).collect(),
        may_decide_leave: access.permits(Permission::DecideLeave),
        leave_who: access
            .policy
            .procedures
            .leave
            .as_ref()
            .map_or("the headteacher".to_owned(), |l| l.who.clone()),
    })
}

fn code_of(text: &str) -> Result<Code, AppError> {
    Code::parse(text).map_err(|e| AppError::Invalid {
        field: "code",
        message: crate::view::sentence(&e.to_string()),
    })
}

async fn decide_report(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, id)): Path<(i64, i64)>,
    crate::limits::Form(fields): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let f = FormData(fields);
    let draft = Draft::of(f.0.clone());
    let form = format!("report-{id}");
    let choice = match f.get("action") {
        "accept" => code_of(f.get("code")).map(ReportChoice::Accept),
        "more" => Ok(ReportChoice::AskForMore),
        other => Err(AppError::BadRequest(format!("{other:?} is not an action"))),
    };
    let decided = match choice {
        Ok(choice) => requests::decide_report(&state, &access, id, choice, f.get("response")).await,
        Err(error) => Err(error),
    };
    let outcome = match decided {
        Ok(outcome) => outcome,
        Err(error) => {
            return refused_decision(&state, &access, form, draft, error, "response").await;
        }
    };
    let done = match f.get("action") {
        "accept" => format!(
            "Accepted: {} session{} coded.",
            outcome.written,
            if outcome.written == 1 { "" } else { "s" }
        ),
        _ => "Asked the parent for more.".to_owned(),
    };
    let to = with_notice(&format!("/s/{school}/requests"), &done);
    Ok(Redirect::to(&to).into_response())
}

async fn decide_leave(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, id)): Path<(i64, i64)>,
    crate::limits::Form(fields): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let f = FormData(fields);
    let draft = Draft::of(f.0.clone());
    let form = format!("leave-{id}");
    let choice = match f.get("action") {
        "grant" => grant(&f),
        "refuse" => Ok(LeaveChoice::Refuse),
        _ => Err(AppError::BadRequest(
            "Grant days (first and last), or refuse.".into(),
        )),
    };
    let decided = match choice {
        Ok(choice) => requests::decide_leave(&state, &access, id, choice, f.get("response")).await,
        Err(error) => Err(error),
    };
    if let Err(error) = decided {
        return refused_decision(&state, &access, form, draft, error, "response").await;
    }
    let to = with_notice(
        &format!("/s/{school}/requests"),
        "The decision has gone to the parent.",
    );
    Ok(Redirect::to(&to).into_response())
}

/// The days and code of leave granted, each named by its field when wrong.
fn grant(f: &FormData) -> Result<LeaveChoice, AppError> {
    let on = |field: &'static str| {
        move |e: AppError| AppError::Invalid {
            field,
            message: crate::view::sentence(&e.to_string()),
        }
    };
    Ok(LeaveChoice::Grant {
        first: f.date("first", "The first day").map_err(on("first"))?,
        last: f.date("last", "The last day").map_err(on("last"))?,
        code: match f.get("code") {
            "" => None,
            code => Some(code_of(code)?),
        },
    })
}

async fn document(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil, id)): Path<(i64, i64, i64)>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::HandleAbsenceReports, "see parents' requests")?;
    let pupil = access.pupil(&state, PupilKey(pupil)).await?;
    let doc = state.store.leave_document(pupil.key, id).await?;
    access
        .log_opening(&state, pupil.key, Opened::Document, Some(&doc.name))
        .await?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        doc.name.replace(['"', '\\', '\r', '\n'], "_")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        doc.bytes,
    )
        .into_response())
}

async fn invite(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil, contact)): Path<(i64, i64, i64)>,
) -> Result<Redirect, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let email =
        crate::parents::invite(&state, &access, PupilKey(pupil), ContactId(contact)).await?;
    let query = serde_urlencoded::to_string([("invited", &email)]).unwrap_or_default();
    Ok(Redirect::to(&format!("/s/{school}/pupils/{pupil}?{query}")))
}

struct TemplateLine {
    /// The name its form posts to: `absence_text`, or `letter.letter_1` for a letter.
    name: String,
    id: &'static str,
    title: &'static str,
    text: bool,
    subject: String,
    body: String,
    fields: String,
    own: bool,
    /// Why the wording sent was refused.
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "templates.html")]
struct TemplatesPage {
    chrome: Chrome,
    notice: Option<String>,
    templates: Vec<TemplateLine>,
    letters: Vec<TemplateLine>,
}

async fn templates_page(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    Query(notice): Query<Notice>,
) -> Result<TemplatesPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    wordings_page(&state, &access, notice.done).await
}

async fn wordings_page(
    state: &AppState,
    access: &Access,
    done: String,
) -> Result<TemplatesPage, AppError> {
    access.require(Permission::EditTemplates, "edit the school's messages")?;
    let own = templates(state, access.school.id).await?;
    let library = crate::letters::library(state, access.school.id).await?;
    let letter_fields = rollcall_letters::FIELDS
        .iter()
        .map(|(name, _)| format!("{{{{ {name} }}}}"))
        .collect::<Vec<_>>()
        .join(" ");
    let letters = LetterKind::ALL
        .into_iter()
        .map(|k| {
            let (subject, body) = library.get(k);
            TemplateLine {
                name: format!("letter.{}", k.id()),
                id: k.id(),
                title: k.title(),
                text: false,
                subject,
                body,
                fields: letter_fields.clone(),
                own: library.is_own(k),
                error: None,
            }
        })
        .collect();
    Ok(TemplatesPage {
        chrome: Chrome::new(access, "templates"),
        notice: (!done.is_empty()).then_some(done),
        templates: Kind::ALL
            .into_iter()
            // Sign-in links are rollcall's own wording, so that no edit drops the link.
            .filter(|k| !matches!(k, Kind::Invitation | Kind::SignInLink))
            .map(|k| {
                let (subject, body) = own.get(k);
                TemplateLine {
                    name: k.id().to_owned(),
                    id: k.id(),
                    title: k.title(),
                    text: k.is_text(),
                    subject: subject.to_owned(),
                    body: body.to_owned(),
                    fields: k
                        .fields()
                        .iter()
                        .map(|(name, _)| format!("{{{{ {name} }}}}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                    own: own.is_own(k),
                    error: None,
                }
            })
            .collect(),
        letters,
    })
}

#[derive(Deserialize)]
struct TemplateForm {
    #[serde(default)]
    subject: String,
    body: String,
}

async fn save_template(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, name)): Path<(i64, String)>,
    crate::limits::Form(form): crate::limits::Form<TemplateForm>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let saved =
        crate::outbox::save_template(&state, &access, &name, &form.subject, &form.body).await;
    let message = match saved {
        Ok(title) => {
            let to = with_notice(
                &format!("/s/{school}/messages"),
                &format!("Saved: {title}."),
            );
            return Ok(Redirect::to(&to).into_response());
        }
        Err(AppError::BadRequest(message) | AppError::Invalid { message, .. }) => message,
        Err(other) => return Err(other),
    };
    // The page again, the wording as it was sent and what is wrong with it beside it.
    let mut page = wordings_page(&state, &access, String::new()).await?;
    let line = page
        .templates
        .iter_mut()
        .chain(page.letters.iter_mut())
        .find(|t| t.name == name)
        .ok_or(AppError::NotFound("message"))?;
    line.subject = form.subject;
    line.body = form.body;
    line.error = Some(message);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// `path?done=...`, the notice a page shows after a form.
fn with_notice(path: &str, notice: &str) -> String {
    let query = serde_urlencoded::to_string([("done", notice)]).unwrap_or_default();
    format!("{path}?{query}")
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{school}/requests", get(page))
        .route("/s/{school}/requests/absence/{id}", post(decide_report))
        .route("/s/{school}/requests/leave/{id}", post(decide_leave))
        .route(
            "/s/{school}/requests/details/{id}",
            post(super::details::decide),
        )
        .route(
            "/s/{school}/pupils/{pupil}/leave/{id}/document",
            get(document),
        )
        .route(
            "/s/{school}/pupils/{pupil}/contacts/{contact}/invite",
            post(invite),
        )
        .route("/s/{school}/messages", get(templates_page))
        .route("/s/{school}/messages/{name}", post(save_template))
}
