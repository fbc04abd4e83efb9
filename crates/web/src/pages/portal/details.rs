//! A parent's own details in the portal: as the school holds them, and a request to change
//! their telephone number, email or address, which each of their children's schools confirms.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rollcall_core::{TextKind, check_text};
use rollcall_store::{DetailsStatus, NewDetails};

use super::super::details::changes;
use super::super::form::{Draft, FormData};
use super::home_page;
use crate::AppState;
use crate::error::AppError;
use crate::parents::{Family, Parent};

/// A request as the parent reads it.
pub(crate) struct RequestLine {
    pub asked: String,
    pub changes: Vec<(&'static str, String)>,
    pub status: String,
}

/// The parent's details and requests.
pub(crate) struct Mine {
    pub phones: String,
    pub email: String,
    pub address: String,
    pub requests: Vec<RequestLine>,
}

pub(super) async fn mine(state: &AppState, family: &Family) -> Result<Mine, AppError> {
    let held = family.children.first().map(|c| &c.contact.contact);
    let requests = state
        .store
        .parent_details_requests(family.parent.id)
        .await?
        .into_iter()
        .rev()
        .map(|r| RequestLine {
            asked: r.asked.strftime("%a %-d %b %Y").to_string(),
            changes: changes(&r.details),
            status: match r.status {
                DetailsStatus::Pending => "Waiting for the school".to_owned(),
                DetailsStatus::Confirmed { .. } => "Changed".to_owned(),
                DetailsStatus::Declined { reason, .. } => format!("Not changed: {reason}"),
            },
        })
        .collect();
    Ok(Mine {
        phones: held.map(|c| c.phones.join(", ")).unwrap_or_default(),
        email: held.and_then(|c| c.email.clone()).unwrap_or_default(),
        address: held.and_then(|c| c.address.clone()).unwrap_or_default(),
        requests,
    })
}

/// A detail asked for, checked; empty leaves it as it is.
fn detail(f: &FormData, d: &mut Draft, field: &'static str, kind: TextKind) -> Option<String> {
    let value = f.get(field);
    if value.is_empty() {
        return None;
    }
    if let Err(e) = check_text(value, kind) {
        d.refuse(field, format!("This {e}"));
    }
    Some(value.to_owned())
}

pub(super) async fn ask(
    State(state): State<AppState>,
    Parent(parent): Parent,
    crate::limits::Form(fields): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let family = Family::load(&state, parent).await?;
    let f = FormData(fields);
    let mut d = Draft::of(f.0.clone());
    let details = NewDetails {
        phone: detail(&f, &mut d, "phone", TextKind::Line),
        email: detail(&f, &mut d, "email", TextKind::Line),
        address: detail(&f, &mut d, "address", TextKind::Note),
    };
    if let Some(email) = &details.email
        && rollcall_messages::email_address(email).is_none()
    {
        d.refuse("email", format!("{email:?} is not an email address"));
    }
    if details == NewDetails::default() {
        d.refuse(
            "phone",
            "Enter the telephone number, email or address to change",
        );
    }
    if !d.is_refused() {
        let now = state.local_now().datetime();
        let mut schools: Vec<_> = family.children.iter().map(|c| c.school.id).collect();
        schools.dedup();
        for school in schools {
            state
                .store
                .ask_details_change(school, family.parent.id, &details, now)
                .await?;
        }
        return Ok(Redirect::to("/parent#my-details").into_response());
    }
    let page = home_page(&state, family, d).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
