//! The access log, for the headteacher: who opened a pupil's records, or whose records a member
//! of staff opened, and when.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rollcall_core::{Opened, Permission};
use rollcall_store::{AccessOf, AccessRecord, PupilKey, SchoolId, UserId};
use serde::Deserialize;

use super::Chrome;
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;

/// The most entries a page shows: a year of a busy officer's openings of one pupil.
const SHOWN: u32 = 500;

#[derive(Deserialize)]
struct Whose {
    pupil: Option<i64>,
    user: Option<i64>,
}

struct Line {
    at: String,
    pupil: i64,
    pupil_name: String,
    by: String,
    opened: &'static str,
    detail: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "access_log.html")]
struct AccessLogPage {
    chrome: Chrome,
    heading: String,
    /// Whether the lines are one pupil's (so each names who opened it) or one person's.
    of_pupil: bool,
    lines: Vec<Line>,
    more: bool,
}

async fn access_log(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    Query(whose): Query<Whose>,
) -> Result<AccessLogPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::ReadAccessLog, "read the access log")?;
    let (of, heading) = match (whose.pupil, whose.user) {
        (Some(pupil), None) => {
            let record = access.pupil(&state, PupilKey(pupil)).await?;
            let heading = format!("Who opened {}'s records", record.pupil.name());
            (AccessOf::Pupil(record.key), heading)
        }
        (None, Some(user)) => {
            let staff = state.store.school_staff(access.school.id).await?;
            let member = staff
                .into_iter()
                .find(|s| s.user.id == UserId(user))
                .ok_or(AppError::NotFound("member of staff"))?;
            let heading = format!("Pupils' records {} opened", member.user.name);
            (AccessOf::User(access.school.id, member.user.id), heading)
        }
        _ => {
            return Err(AppError::BadRequest(
                "Ask for one pupil's log (pupil=) or one member of staff's (user=).".into(),
            ));
        }
    };
    let mut entries = state.store.access_log(of, SHOWN + 1).await?;
    let more = entries.len() > SHOWN as usize;
    entries.truncate(SHOWN as usize);
    let zone = state.config.time_zone.clone();
    let lines = entries
        .into_iter()
        .map(|e: AccessRecord| Line {
            at: e
                .at
                .to_zoned(zone.clone())
                .strftime("%-d %b %Y %H:%M:%S")
                .to_string(),
            pupil: e.pupil.0,
            pupil_name: e.pupil_name,
            by: format!("{}, {}", e.by_name, e.by_position),
            opened: e.opened.label(),
            detail: e.detail.unwrap_or_default(),
        })
        .collect();
    Ok(AccessLogPage {
        chrome: Chrome::new(&access, "staff"),
        heading,
        of_pupil: matches!(of, AccessOf::Pupil(_)),
        lines,
        more,
    })
}

/// Everything held about a pupil, as one JSON file, for a subject-access request.
async fn subject_access(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let (_, record, document) = subject_document(&state, user, school, pupil).await?;
    let name = format!(
        "attachment; filename=\"subject-access-{}.json\"",
        record.pupil.upn.as_str()
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        axum::Json(document),
    )
        .into_response())
}

/// The same, printed: a copy to hand to the pupil or their parent.
async fn subject_access_pdf(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let (access, record, document) = subject_document(&state, user, school, pupil).await?;
    let now = state.local_now();
    let report = crate::subject::report(
        &document,
        format!("Everything held about {}", record.pupil.name()),
        vec![
            access.school.name.clone(),
            crate::letters::pupil_line(&record.pupil),
            format!(
                "Exported {} at {} by {}",
                crate::letters::day_words(now.date()),
                now.strftime("%H:%M"),
                access.user.actor().name
            ),
        ],
    );
    let pdf = crate::letters::typeset(move || rollcall_letters::report_pdf(&report)).await?;
    Ok(crate::letters::pdf_response(
        pdf,
        &format!("subject-access-{}.pdf", record.pupil.upn.as_str()),
    ))
}

/// The subject-access document for a pupil, whose export is itself logged as an opening.
async fn subject_document(
    state: &AppState,
    user: rollcall_store::StaffUser,
    school: i64,
    pupil: i64,
) -> Result<(Access, rollcall_store::PupilRecord, serde_json::Value), AppError> {
    let access = Access::load(state, user, SchoolId(school)).await?;
    access.require(Permission::ReadAccessLog, "export a pupil's records")?;
    let record = access.pupil(state, PupilKey(pupil)).await?;
    access
        .log_opening(state, record.key, Opened::SubjectAccess, None)
        .await?;
    let document = crate::subject::everything(state, &record, state.clock.now()).await?;
    Ok((access, record, document))
}

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{school}/access-log", get(access_log))
        .route(
            "/s/{school}/pupils/{pupil}/subject-access.json",
            get(subject_access),
        )
        .route(
            "/s/{school}/pupils/{pupil}/subject-access.pdf",
            get(subject_access_pdf),
        )
}
