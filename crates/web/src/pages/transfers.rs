//! Common transfer files for the office: take in the CTF of pupils arriving (all or nothing,
//! every error naming its line and element), and download a pupil's CTF for their next school.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rollcall_core::{LaEstab, Opened, Permission, YearGroup};
use rollcall_store::transfer::{export, import};
use rollcall_store::{PupilKey, SchoolId, StoreError};
use rollcall_transfer::Placing;
use serde::Deserialize;

use super::Chrome;
use super::form::{Draft, FormData};
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;

/// The largest CTF taken in: a whole year group's leavers with their marks.
const MAX_CTF: usize = 8 * 1024 * 1024;

/// A pupil the file brought.
struct Arrival {
    key: i64,
    name: String,
    upn: String,
    years: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "transfers.html")]
struct TransfersPage {
    chrome: Chrome,
    draft: Draft,
    groups: Vec<(String, String)>,
    today: jiff::civil::Date,
    /// What the last file brought: where from, and who.
    taken: Option<(String, Vec<Arrival>)>,
}

async fn page(
    state: &AppState,
    access: &Access,
    draft: Draft,
    taken: Option<(String, Vec<Arrival>)>,
) -> Result<TransfersPage, AppError> {
    let groups = state
        .store
        .groups(access.school.id)
        .await?
        .into_iter()
        .map(|g| (g.name.clone(), g.name))
        .collect();
    Ok(TransfersPage {
        chrome: Chrome::new(access, "admissions"),
        draft,
        groups,
        today: state.local_now().date(),
        taken,
    })
}

async fn transfers(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
) -> Result<TransfersPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::KeepAdmissionRegister, "take in transfer files")?;
    page(&state, &access, Draft::default(), None).await
}

async fn take_in(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::KeepAdmissionRegister, "take in transfer files")?;
    let bad = |e: axum::extract::multipart::MultipartError| AppError::BadRequest(e.body_text());
    let mut fields = Vec::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    // A form not sent as a file upload holds no file: refused as such below.
    let mut form = form.ok();
    while let Some(field) = match form.as_mut() {
        Some(form) => form.next_field().await.map_err(bad)?,
        None => None,
    } {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            crate::limits::check_field("file name", &file_name)?;
            let bytes = field.bytes().await.map_err(bad)?;
            file = (!bytes.is_empty()).then(|| (file_name, bytes.to_vec()));
        } else {
            let text = field.text().await.map_err(bad)?;
            crate::limits::check_field(&name, &text)?;
            fields.push((name, text));
        }
    }
    let sent = FormData(fields);
    let mut draft = Draft::of(sent.0.clone());
    let ctf = match file {
        None => {
            draft.refuse("file", "Choose the CTF file (.xml) to take in.");
            None
        }
        Some((name, bytes)) => match String::from_utf8(bytes) {
            Err(_) => {
                draft.refuse("file", format!("{name} is not a text file: a CTF is XML."));
                None
            }
            Ok(text) => match rollcall_transfer::read(&text) {
                Ok(ctf) => Some(ctf),
                Err(e) => {
                    draft.refuse("file", format!("{name} cannot be taken in: {e}."));
                    None
                }
            },
        },
    };
    let reg_group = draft.check("reg_group", sent.required("reg_group", "the class"));
    let entry_date = draft.check("entry_date", sent.date("entry_date", "the starting day"));
    let year_group = draft.check(
        "year_group",
        YearGroup::parse(sent.get("year_group")).map_err(|e| AppError::BadRequest(e.to_string())),
    );
    let (Some(ctf), Some(reg_group), Some(entry_date), Some(year_group)) =
        (ctf, reg_group, entry_date, year_group)
    else {
        return refused(&state, &access, draft).await;
    };
    let placing = Placing {
        reg_group,
        entry_date,
        year_group,
    };
    let taken = import(
        state.store.as_ref(),
        access.school.id,
        &ctf,
        &placing,
        &access.user.actor(),
        state.clock.now(),
        state.local_now().datetime(),
    )
    .await;
    match taken {
        Ok(_) => {}
        Err(StoreError::Invalid(message) | StoreError::Conflict(message)) => {
            draft.refuse("file", crate::view::sentence(&message));
            return refused(&state, &access, draft).await;
        }
        Err(other) => return Err(other.into()),
    }
    let held = state.store.pupils(access.school.id).await?;
    let arrivals = ctf
        .pupils
        .iter()
        .filter_map(|p| {
            let record = held.iter().find(|h| h.pupil.upn == p.upn)?;
            Some(Arrival {
                key: record.key.0,
                name: record.pupil.name(),
                upn: p.upn.to_string(),
                years: p.attendance.len(),
            })
        })
        .collect();
    let from = format!(
        "{} ({})",
        ctf.header.source.name, ctf.header.source.la_estab
    );
    Ok(
        page(&state, &access, Draft::default(), Some((from, arrivals)))
            .await?
            .into_response(),
    )
}

async fn refused(state: &AppState, access: &Access, draft: Draft) -> Result<Response, AppError> {
    let page = page(state, access, draft, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Deserialize)]
struct ExportQuery {
    to: Option<String>,
}

async fn download(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil)): Path<(i64, i64)>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::KeepAdmissionRegister, "send transfer files")?;
    let key = PupilKey(pupil);
    access.pupil(&state, key).await?;
    let to = match query.to.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => Some(LaEstab::parse(text).map_err(|e| AppError::Invalid {
            field: "to",
            message: crate::view::sentence(&e.to_string()),
        })?),
        None => None,
    };
    let ctf = export(
        state.store.as_ref(),
        access.school.id,
        &[key],
        &access.policy.calendar,
        to,
        state.local_now().datetime(),
    )
    .await?;
    access
        .log_opening(
            &state,
            key,
            Opened::TransferFile,
            to.map(|t| t.to_string()).as_deref(),
        )
        .await?;
    Ok(crate::letters::attachment(
        "application/xml; charset=utf-8",
        rollcall_transfer::write(&ctf),
        &rollcall_transfer::file_name(&ctf, 1),
    ))
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/s/{school}/transfers",
            get(transfers)
                .post(take_in)
                .layer(axum::extract::DefaultBodyLimit::max(MAX_CTF + 64 * 1024)),
        )
        .route("/s/{school}/admissions/{pupil}/ctf", get(download))
}
