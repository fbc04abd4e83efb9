//! The parent portal's forms: reporting an absence, answering the office, asking for leave.
//! A refused form is the child's page again, as it was filled in, each message beside its
//! field.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rollcall_core::{AbsenceReason, LeaveKind, Session, SessionKey};
use rollcall_store::{Document, PupilKey};
use serde::Deserialize;

use super::super::form::{Draft, FormData};
use super::{ChildQuery, Forms, MAX_DOCUMENT, child_page, fresh_report};
use crate::AppState;
use crate::error::AppError;
use crate::parents::{Family, Parent};
use crate::requests::{self, LeaveInput, ReportInput};

fn session_of(text: &str) -> Result<Session, AppError> {
    match text {
        "am" => Ok(Session::Am),
        "pm" => Ok(Session::Pm),
        _ => Err(AppError::BadRequest("choose morning or afternoon".into())),
    }
}

/// Shows the child's page again with a form as sent and what is wrong with it.
async fn refused(
    state: &AppState,
    family: &Family,
    key: i64,
    forms: Forms,
) -> Result<Response, AppError> {
    let query = ChildQuery {
        day: None,
        sent: String::new(),
    };
    let page = child_page(state, family, key, query, forms).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub(super) async fn report(
    State(state): State<AppState>,
    Parent(parent): Parent,
    Path(key): Path<i64>,
    crate::limits::Form(fields): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let family = Family::load(&state, parent).await?;
    let sent = FormData(fields);
    let mut draft = Draft::of(sent.0.clone());
    let first = draft.check("first", sent.date("first", "the first day"));
    let first_session = draft.check("first_session", session_of(sent.get("first_session")));
    let last = draft.check("last", sent.date("last", "the last day"));
    let last_session = draft.check("last_session", session_of(sent.get("last_session")));
    let reason = draft.check(
        "reason",
        AbsenceReason::parse(sent.get("reason"))
            .ok_or_else(|| AppError::BadRequest("choose the reason".into())),
    );
    let expected_return = draft.check(
        "expected_return",
        sent.optional_date("expected_return", "the day you expect them back"),
    );
    if let (Some(first), Some(first_session), Some(last), Some(last_session)) =
        (first, first_session, last, last_session)
        && let (Some(reason), Some(expected_return)) = (reason, expected_return)
    {
        let input = ReportInput {
            first: SessionKey {
                date: first,
                session: first_session,
            },
            last: SessionKey {
                date: last,
                session: last_session,
            },
            reason,
            details: sent.get("details").to_owned(),
            expected_return,
        };
        match requests::report_absence(&state, &family, PupilKey(key), input).await {
            Ok(_) => {
                let to = format!("/parent/children/{key}?sent=absence");
                return Ok(Redirect::to(&to).into_response());
            }
            Err(error) => draft.take(error, "first")?,
        }
    }
    let forms = Forms {
        report: draft,
        leave: Draft::default(),
    };
    refused(&state, &family, key, forms).await
}

#[derive(Deserialize)]
pub(super) struct AnswerForm {
    answer: String,
}

pub(super) async fn answer(
    State(state): State<AppState>,
    Parent(parent): Parent,
    Path((key, id)): Path<(i64, i64)>,
    crate::limits::Form(form): crate::limits::Form<AnswerForm>,
) -> Result<Redirect, AppError> {
    let family = Family::load(&state, parent).await?;
    requests::answer_report(&state, &family, PupilKey(key), id, &form.answer).await?;
    Ok(Redirect::to(&format!("/parent/children/{key}?sent=answer")))
}

pub(super) async fn leave(
    State(state): State<AppState>,
    Parent(parent): Parent,
    Path(key): Path<i64>,
    mut form: Multipart,
) -> Result<Response, AppError> {
    let family = Family::load(&state, parent).await?;
    let bad = |e: axum::extract::multipart::MultipartError| AppError::BadRequest(e.body_text());
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut document = None;
    let mut too_large = false;
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "document" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            crate::limits::check_field("file name", &file_name)?;
            let content_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_owned();
            let bytes = field.bytes().await.map_err(bad)?;
            too_large |= bytes.len() > MAX_DOCUMENT;
            if !file_name.is_empty() && !bytes.is_empty() && !too_large {
                document = Some(Document {
                    name: file_name,
                    content_type,
                    bytes: bytes.to_vec(),
                });
            }
        } else {
            let text = field.text().await.map_err(bad)?;
            crate::limits::check_field(&name, &text)?;
            fields.push((name, text));
        }
    }
    let sent = FormData(fields);
    let mut draft = Draft::of(sent.0.clone());
    let first = draft.check("first", sent.date("first", "the first day"));
    let last = draft.check("last", sent.date("last", "the last day"));
    let kind = draft.check(
        "kind",
        LeaveKind::parse(sent.get("kind"))
            .ok_or_else(|| AppError::BadRequest("choose the kind of leave".into())),
    );
    if sent.get("reason").is_empty() {
        draft.refuse("reason", "Say why you are asking for leave.");
    }
    if too_large {
        draft.refuse(
            "document",
            "The document is larger than 5 MB: send a smaller copy, or bring it to the office.",
        );
    }
    if let (Some(first), Some(last), Some(kind)) = (first, last, kind)
        && !draft.is_refused()
    {
        let input = LeaveInput {
            first,
            last,
            kind,
            reason: sent.get("reason").to_owned(),
            document,
        };
        match requests::request_leave(&state, &family, PupilKey(key), input).await {
            Ok(_) => {
                let to = format!("/parent/children/{key}?sent=leave");
                return Ok(Redirect::to(&to).into_response());
            }
            Err(error) => draft.take(error, "first")?,
        }
    }
    let today = state.local_now().date();
    let forms = Forms {
        report: Draft::of(fresh_report(today)),
        leave: draft,
    };
    refused(&state, &family, key, forms).await
}
