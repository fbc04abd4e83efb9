//! Parents' requests to change their own telephone number, email or address: asked from the
//! portal, confirmed or declined by the office on the Parents page. Confirming changes every
//! one of the parent's contact records at the school, each keeping its version before.

use axum::extract::{Path, State};
use axum::response::Redirect;
use rollcall_core::{Permission, TextKind, check_text};
use rollcall_store::{DetailsDecision, DetailsStatus, NewDetails, SchoolId};

use super::form::FormData;
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;

/// A pending request as the office reads it.
pub(super) struct DetailsLine {
    pub id: i64,
    pub parent: String,
    pub asked: String,
    /// What they asked: (what, the new value).
    pub changes: Vec<(&'static str, String)>,
}

/// What a parent asked, as lines.
pub(crate) fn changes(d: &NewDetails) -> Vec<(&'static str, String)> {
    [
        ("Telephone", &d.phone),
        ("Email", &d.email),
        ("Address", &d.address),
    ]
    .into_iter()
    .filter_map(|(what, value)| value.clone().map(|v| (what, v)))
    .collect()
}

/// The school's pending requests, for the office that may decide them.
pub(super) async fn pending(
    state: &AppState,
    access: &Access,
) -> Result<Vec<DetailsLine>, AppError> {
    if !access.permits(Permission::KeepAdmissionRegister) {
        return Ok(Vec::new());
    }
    Ok(state
        .store
        .details_requests(access.school.id)
        .await?
        .into_iter()
        .filter(|r| r.status == DetailsStatus::Pending)
        .map(|r| DetailsLine {
            id: r.id,
            parent: r.parent_name,
            asked: r.asked.strftime("%a %-d %b %Y %H:%M").to_string(),
            changes: changes(&r.details),
        })
        .collect())
}

/// The office confirms or declines a parent's request.
pub(super) async fn decide(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, id)): Path<(i64, i64)>,
    crate::limits::Form(fields): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Redirect, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::KeepAdmissionRegister, "change parents' details")?;
    let f = FormData(fields);
    let declined = match f.get("decision") {
        "confirm" => None,
        "decline" => {
            let reason = f.required("reason", "The reason, as the parent will read it")?;
            check_text(&reason, TextKind::Note).map_err(|e| AppError::Invalid {
                field: "reason",
                message: format!("The reason {e}"),
            })?;
            Some(reason)
        }
        _ => return Err(AppError::BadRequest("confirm or decline the change".into())),
    };
    let done = match declined {
        Some(_) => "The+parent%27s+request+is+declined%3B+they+see+why+in+the+portal",
        None => "The+parent%27s+new+details+are+recorded",
    };
    state
        .store
        .decide_details(&DetailsDecision {
            school: access.school.id,
            id,
            declined,
            actor: access.user.actor(),
            at: state.local_now().datetime(),
        })
        .await?;
    Ok(Redirect::to(&format!("/s/{school}/requests?done={done}")))
}
