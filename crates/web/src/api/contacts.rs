//! A pupil's contacts through the API: read with their history, added, edited, ended. Bodies
//! are read by the office's form rules (`admission_forms::contact`), so a refusal names the
//! same fields.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rollcall_core::{Opened, Permission};
use rollcall_store::{ContactId, ContactVersion, PupilKey};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access;
use super::failures::{ReadFailures, WriteFailures};
use crate::AppState;
use crate::admission_forms as forms;
use crate::auth::ApiStaff;
use crate::error::{ApiError, AppError};
use crate::limits::ApiPath;
use crate::pages::form::{Draft, FormData};

/// A contact's details.
#[derive(Serialize, Deserialize, ToSchema)]
pub(super) struct ContactBody {
    name: String,
    #[serde(default)]
    relationship: String,
    #[serde(default)]
    parental_responsibility: bool,
    #[serde(default)]
    lives_with_pupil: bool,
    /// Letters go to them.
    #[serde(default)]
    correspondence: bool,
    /// How letters greet them ("Mr and Mrs Khan").
    salutation: Option<String>,
    /// The order to call them in, 1 first.
    #[serde(default = "first")]
    priority: u16,
    /// Telephone numbers, the best first.
    #[serde(default)]
    phones: Vec<String>,
    email: Option<String>,
    address: Option<String>,
    preferred_language: Option<String>,
    /// A court order restricting contact: while set, they are sent nothing.
    court_order: Option<String>,
    #[serde(default)]
    opted_out: bool,
}

fn first() -> u16 {
    1
}

impl ContactBody {
    fn of(c: &rollcall_store::Contact) -> ContactBody {
        ContactBody {
            name: c.name.clone(),
            relationship: c.relationship.clone(),
            parental_responsibility: c.parental_responsibility,
            lives_with_pupil: c.lives_with_pupil,
            correspondence: c.correspondence,
            salutation: c.salutation.clone(),
            priority: c.priority,
            phones: c.phones.clone(),
            email: c.email.clone(),
            address: c.address.clone(),
            preferred_language: c.preferred_language.clone(),
            court_order: c.court_order.clone(),
            opted_out: c.opted_out,
        }
    }

    /// The contact, read by the form's rules.
    fn read(&self) -> Result<rollcall_store::Contact, AppError> {
        let mut fields = vec![
            ("name".to_owned(), self.name.clone()),
            ("relationship".to_owned(), self.relationship.clone()),
            ("priority".to_owned(), self.priority.to_string()),
            ("phones".to_owned(), self.phones.join("\n")),
        ];
        for (field, value) in [
            ("salutation", &self.salutation),
            ("email", &self.email),
            ("address", &self.address),
            ("preferred_language", &self.preferred_language),
            ("court_order", &self.court_order),
        ] {
            fields.push((field.to_owned(), value.clone().unwrap_or_default()));
        }
        for (field, on) in [
            ("parental_responsibility", self.parental_responsibility),
            ("lives_with_pupil", self.lives_with_pupil),
            ("correspondence", self.correspondence),
            ("opted_out", self.opted_out),
        ] {
            if on {
                fields.push((field.to_owned(), "yes".to_owned()));
            }
        }
        let mut d = Draft::default();
        forms::contact(&FormData(fields), &mut d).ok_or_else(|| {
            d.refusal()
                .unwrap_or_else(|| AppError::BadRequest("the contact is incomplete".into()))
        })
    }
}

/// A contact as held.
#[derive(Serialize, ToSchema)]
pub(super) struct HeldContact {
    id: i64,
    #[serde(flatten)]
    contact: ContactBody,
}

/// A version of a contact.
#[derive(Serialize, ToSchema)]
pub(super) struct ContactVersionBody {
    id: i64,
    /// `added`, `edited`, `ended` or `parent_asked`.
    change: String,
    at: String,
    by: String,
    contact: ContactBody,
}

/// A pupil's contacts and every version of them.
#[derive(Serialize, ToSchema)]
pub(super) struct PupilContacts {
    contacts: Vec<HeldContact>,
    history: Vec<ContactVersionBody>,
}

/// A pupil's contacts, with every change to them.
#[utoipa::path(get, path = "/schools/{school}/pupils/{pupil}/contacts", tag = "rollcall",
    params(("school" = i64, Path), ("pupil" = i64, Path)),
    responses((status = 200, body = PupilContacts), ReadFailures))]
pub(super) async fn contacts(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath((school, pupil)): ApiPath<(i64, i64)>,
) -> Result<Json<PupilContacts>, ApiError> {
    let access = access(&state, user, school).await?;
    access.require(Permission::KeepAdmissionRegister, "keep pupils' contacts")?;
    let key = access.pupil(&state, PupilKey(pupil)).await?.key;
    access
        .log_opening(&state, key, Opened::Api, Some("contacts"))
        .await?;
    let held = state.store.contacts(key).await?;
    let history: Vec<ContactVersion> = state.store.contact_history(key).await?;
    Ok(Json(PupilContacts {
        contacts: held
            .iter()
            .map(|c| HeldContact {
                id: c.id.0,
                contact: ContactBody::of(&c.contact),
            })
            .collect(),
        history: history
            .iter()
            .map(|v| ContactVersionBody {
                id: v.id.0,
                change: v.change.id().to_owned(),
                at: v.at.to_string(),
                by: v.by.clone(),
                contact: ContactBody::of(&v.contact),
            })
            .collect(),
    }))
}

/// The contact added.
#[derive(Serialize, ToSchema)]
pub(super) struct Added {
    id: i64,
}

/// Adds a contact.
#[utoipa::path(post, path = "/schools/{school}/pupils/{pupil}/contacts", tag = "rollcall",
    params(("school" = i64, Path), ("pupil" = i64, Path)),
    request_body = ContactBody,
    responses((status = 201, body = Added), WriteFailures))]
pub(super) async fn add_contact(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath((school, pupil)): ApiPath<(i64, i64)>,
    crate::limits::Json(body): crate::limits::Json<ContactBody>,
) -> Result<Response, ApiError> {
    let access = access(&state, user, school).await?;
    access.require(Permission::KeepAdmissionRegister, "keep pupils' contacts")?;
    let key = access.pupil(&state, PupilKey(pupil)).await?.key;
    let contact = body.read()?;
    let now = state.local_now().datetime();
    let id = state
        .store
        .add_contact_by(key, &contact, &access.user.actor(), now)
        .await?;
    Ok((StatusCode::CREATED, Json(Added { id: id.0 })).into_response())
}

/// Replaces a contact's details; the version before is kept.
#[utoipa::path(put, path = "/schools/{school}/pupils/{pupil}/contacts/{contact}", tag = "rollcall",
    params(("school" = i64, Path), ("pupil" = i64, Path), ("contact" = i64, Path)),
    request_body = ContactBody,
    responses((status = 204), WriteFailures))]
pub(super) async fn edit_contact(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath((school, pupil, id)): ApiPath<(i64, i64, i64)>,
    crate::limits::Json(body): crate::limits::Json<ContactBody>,
) -> Result<StatusCode, ApiError> {
    let access = access(&state, user, school).await?;
    access.require(Permission::KeepAdmissionRegister, "keep pupils' contacts")?;
    let key = access.pupil(&state, PupilKey(pupil)).await?.key;
    let contact = body.read()?;
    let now = state.local_now().datetime();
    state
        .store
        .edit_contact(key, ContactId(id), &contact, &access.user.actor(), now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends a contact: kept with its history, no longer called, written to or let into the portal.
#[utoipa::path(post, path = "/schools/{school}/pupils/{pupil}/contacts/{contact}/end", tag = "rollcall",
    params(("school" = i64, Path), ("pupil" = i64, Path), ("contact" = i64, Path)),
    responses((status = 204), WriteFailures))]
pub(super) async fn end_contact(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    ApiPath((school, pupil, id)): ApiPath<(i64, i64, i64)>,
) -> Result<StatusCode, ApiError> {
    let access = access(&state, user, school).await?;
    access.require(Permission::KeepAdmissionRegister, "keep pupils' contacts")?;
    let key = access.pupil(&state, PupilKey(pupil)).await?.key;
    let now = state.local_now().datetime();
    state
        .store
        .end_contact(key, ContactId(id), &access.user.actor(), now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
