//! A pupil's contacts as the office keeps them: added, edited, ended, each change kept with who
//! and when, and the history shown beside them.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use rollcall_core::{Opened, Permission};
use rollcall_store::{ContactId, ContactRecord, PupilKey, SchoolId};

use super::Chrome;
use super::form::{Draft, FormData, Refused};
use crate::AppState;
use crate::access::Access;
use crate::admission_forms as forms;
use crate::auth::Staff;
use crate::error::AppError;

/// A contact with its edit form.
struct ContactLine {
    id: i64,
    name: String,
    relationship: String,
    summary: String,
    /// The edit form: as sent when refused, otherwise the contact as it stands.
    draft: Draft,
    open: bool,
}

struct HistoryLine {
    at: String,
    name: String,
    change: &'static str,
    details: String,
    by: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "contacts.html")]
struct ContactsPage {
    chrome: Chrome,
    key: i64,
    pupil: String,
    contacts: Vec<ContactLine>,
    history: Vec<HistoryLine>,
    refused: Refused,
}

/// A contact in a line: their numbers, email, address and flags.
fn summary(c: &rollcall_store::Contact) -> String {
    let mut parts = Vec::new();
    if !c.phones.is_empty() {
        parts.push(c.phones.join(", "));
    }
    parts.extend(c.email.clone());
    parts.extend(c.address.clone());
    for (on, what) in [
        (c.parental_responsibility, "parental responsibility"),
        (c.lives_with_pupil, "lives with the pupil"),
        (c.correspondence, "letters"),
        (c.opted_out, "opted out of messages"),
    ] {
        if on {
            parts.push(what.to_owned());
        }
    }
    if let Some(order) = &c.court_order {
        parts.push(format!("court order: {order}"));
    }
    parts.join(" · ")
}

async fn page(
    state: &AppState,
    access: &Access,
    key: PupilKey,
    refused: Refused,
) -> Result<ContactsPage, AppError> {
    access.require(Permission::KeepAdmissionRegister, "keep pupils' contacts")?;
    let record = access.pupil(state, key).await?;
    access
        .log_opening(state, key, Opened::PupilRecord, Some("contacts"))
        .await?;
    let held: Vec<ContactRecord> = state.store.contacts(key).await?;
    let mut refused = refused;
    let contacts = held
        .into_iter()
        .map(|c| {
            let form = format!("contact-{}", c.id.0);
            let open = refused.is(&form);
            let draft = match open {
                true => std::mem::take(&mut refused.draft),
                false => Draft::of(forms::contact_values(&c.contact)),
            };
            ContactLine {
                id: c.id.0,
                summary: summary(&c.contact),
                name: c.contact.name,
                relationship: c.contact.relationship,
                draft,
                open,
            }
        })
        .collect();
    let history = state
        .store
        .contact_history(key)
        .await?
        .into_iter()
        .rev()
        .map(|v| HistoryLine {
            at: v.at.strftime("%a %-d %b %Y %H:%M").to_string(),
            change: v.change.title(),
            details: summary(&v.contact),
            name: v.contact.name,
            by: v.by,
        })
        .collect();
    Ok(ContactsPage {
        chrome: Chrome::new(access, "pupils"),
        key: key.0,
        pupil: record.pupil.name(),
        contacts,
        history,
        refused,
    })
}

async fn contacts(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil)): Path<(i64, i64)>,
) -> Result<ContactsPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    page(&state, &access, PupilKey(pupil), Refused::default()).await
}

/// Adds a contact (`id` none) or edits one.
async fn keep(
    state: &AppState,
    access: &Access,
    key: PupilKey,
    id: Option<ContactId>,
    fields: Vec<(String, String)>,
) -> Result<Response, AppError> {
    access.require(Permission::KeepAdmissionRegister, "keep pupils' contacts")?;
    access.pupil(state, key).await?;
    let f = FormData(fields);
    let mut d = Draft::of(f.0.clone());
    if let Some(contact) = forms::contact(&f, &mut d) {
        let actor = access.user.actor();
        let now = state.local_now().datetime();
        let kept = match id {
            None => state
                .store
                .add_contact_by(key, &contact, &actor, now)
                .await
                .map(|_| ()),
            Some(id) => {
                state
                    .store
                    .edit_contact(key, id, &contact, &actor, now)
                    .await
            }
        };
        match kept {
            Ok(()) => {
                let back = format!("/s/{}/pupils/{}/contacts", access.school.id, key.0);
                return Ok(Redirect::to(&back).into_response());
            }
            Err(e) => d.take(e.into(), "name")?,
        }
    }
    let form = id.map_or_else(|| "add".to_owned(), |id| format!("contact-{}", id.0));
    let refused = Refused { form, draft: d };
    let page = page(state, access, key, refused).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn add(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil)): Path<(i64, i64)>,
    crate::limits::Form(fields): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    keep(&state, &access, PupilKey(pupil), None, fields).await
}

async fn edit(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil, id)): Path<(i64, i64, i64)>,
    crate::limits::Form(fields): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    keep(
        &state,
        &access,
        PupilKey(pupil),
        Some(ContactId(id)),
        fields,
    )
    .await
}

async fn end(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil, id)): Path<(i64, i64, i64)>,
) -> Result<Redirect, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::KeepAdmissionRegister, "keep pupils' contacts")?;
    let key = access.pupil(&state, PupilKey(pupil)).await?.key;
    let now = state.local_now().datetime();
    state
        .store
        .end_contact(key, ContactId(id), &access.user.actor(), now)
        .await?;
    Ok(Redirect::to(&format!(
        "/s/{school}/pupils/{pupil}/contacts"
    )))
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/s/{school}/pupils/{pupil}/contacts",
            get(contacts).post(add),
        )
        .route("/s/{school}/pupils/{pupil}/contacts/{contact}", post(edit))
        .route(
            "/s/{school}/pupils/{pupil}/contacts/{contact}/end",
            post(end),
        )
}
