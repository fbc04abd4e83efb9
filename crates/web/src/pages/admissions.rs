//! The admission register's pages for the office: the alphabetical index (regulation 8(1)),
//! admitting a pupil, a pupil's entry with its history, the leaving form (a parent's new address
//! or school, regulation 8(3)) and deletion on a ground of regulation 9.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use jiff::civil::Date;
use rollcall_core::admission::deletion::Ground;
use rollcall_core::admission::{Entry, Registration, index_order};
use rollcall_core::text::human_date;
use rollcall_core::{Opened, Permission, Pupil, SenStatus, Sex};
use rollcall_store::{
    DeletionRecord, EntryChange, EntryVersion, NewAdmission, PupilKey, RegisterLine, SchoolId,
    current_entry, delete,
};
use serde::Deserialize;

use super::Chrome;
use super::form::{Draft, FormData, Refused};
use crate::AppState;
use crate::access::Access;
use crate::admission_forms as forms;
use crate::auth::Staff;
use crate::error::AppError;

/// Which lines of the register to show.
#[derive(Deserialize)]
struct IndexQuery {
    show: Option<String>,
}

/// Where a pupil stands on a date.
fn status(pupil: &Pupil, deletion: Option<&DeletionRecord>, today: Date) -> String {
    match (pupil.entry_date, pupil.leaving_date) {
        (_, Some(left)) => match deletion {
            Some(d) => format!(
                "Left {} · {}",
                human_date(&left),
                d.deletion.ground.paragraph()
            ),
            None => format!("Left {}", human_date(&left)),
        },
        (Some(starts), None) if today < starts => {
            format!("Prospective: starts {}", human_date(&starts))
        }
        _ => "On roll".to_owned(),
    }
}

struct IndexLine {
    key: i64,
    name: String,
    upn: String,
    born: String,
    sex: &'static str,
    starts: String,
    registration: &'static str,
    group: String,
    status: String,
    /// The entry has been completed here (address, last school, registration).
    complete: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admissions.html")]
struct IndexPage {
    chrome: Chrome,
    lines: Vec<IndexLine>,
    show: String,
    counts: [(&'static str, &'static str, usize); 4],
    may_admit: bool,
}

fn shown(line: &RegisterLine, show: &str, today: Date) -> bool {
    let p = &line.record.pupil;
    match show {
        "on_roll" => p.on_roll(today),
        "prospective" => p.entry_date.is_some_and(|s| today < s) && p.leaving_date.is_none(),
        "left" => p.leaving_date.is_some_and(|l| l < today),
        _ => true,
    }
}

async fn index(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    Query(query): Query<IndexQuery>,
) -> Result<IndexPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(
        Permission::KeepAdmissionRegister,
        "see the admission register",
    )?;
    let today = state.local_now().date();
    let show = query.show.unwrap_or_else(|| "all".to_owned());
    let mut lines = state.store.admission_register(access.school.id).await?;
    lines.sort_by(|a, b| index_order(&a.record.pupil, &b.record.pupil));
    let count = |s| lines.iter().filter(|l| shown(l, s, today)).count();
    let counts = [
        ("all", "Everyone entered", count("all")),
        ("on_roll", "On roll", count("on_roll")),
        ("prospective", "Prospective", count("prospective")),
        ("left", "Left", count("left")),
    ];
    let lines = lines
        .iter()
        .filter(|l| shown(l, &show, today))
        .map(|l| {
            let p = &l.record.pupil;
            IndexLine {
                key: l.record.key.0,
                name: format!("{}, {}", p.legal_surname, p.legal_forename),
                upn: p.upn.to_string(),
                born: human_date(&p.date_of_birth),
                sex: p.sex.code(),
                starts: p.entry_date.map(|d| human_date(&d)).unwrap_or_default(),
                registration: l.entry.as_ref().map_or("", |e| e.entry.registration.code()),
                group: p.reg_group.clone(),
                status: status(p, l.deletion.as_ref(), today),
                complete: l.entry.is_some(),
            }
        })
        .collect();
    Ok(IndexPage {
        chrome: Chrome::new(&access, "admissions"),
        lines,
        show,
        counts,
        may_admit: access.permits(Permission::KeepAdmissionRegister),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "admit.html")]
struct AdmitPage {
    chrome: Chrome,
    draft: Draft,
    groups: Vec<(String, String)>,
    today: Date,
    sexes: Vec<(&'static str, &'static str)>,
    sen_choices: Vec<(&'static str, &'static str)>,
    registrations: Vec<(&'static str, &'static str)>,
}

fn registrations() -> Vec<(&'static str, &'static str)> {
    Registration::ALL
        .iter()
        .map(|r| (r.code(), r.title()))
        .collect()
}

async fn admit_page(
    state: &AppState,
    access: &Access,
    draft: Draft,
) -> Result<AdmitPage, AppError> {
    let groups = state
        .store
        .groups(access.school.id)
        .await?
        .into_iter()
        .map(|g| (g.name.clone(), g.name))
        .collect();
    Ok(AdmitPage {
        chrome: Chrome::new(access, "admissions"),
        draft,
        groups,
        today: state.local_now().date(),
        sexes: [Sex::Female, Sex::Male]
            .iter()
            .map(|s| (s.code(), if *s == Sex::Female { "Female" } else { "Male" }))
            .collect(),
        sen_choices: [SenStatus::None, SenStatus::Support, SenStatus::Ehcp]
            .iter()
            .map(|s| {
                (
                    s.code(),
                    match s {
                        SenStatus::None => "None",
                        SenStatus::Support => "SEN support (K)",
                        SenStatus::Ehcp => "EHC plan (E)",
                    },
                )
            })
            .collect(),
        registrations: registrations(),
    })
}

async fn admit_form(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
) -> Result<AdmitPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::KeepAdmissionRegister, "admit pupils")?;
    admit_page(&state, &access, Draft::default()).await
}

async fn admit(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    crate::limits::Form(fields): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::KeepAdmissionRegister, "admit pupils")?;
    let f = FormData(fields);
    let mut d = Draft::of(f.0.clone());
    let pupil = forms::pupil(&f, &mut d);
    let entry = forms::entry(&f, &mut d, forms::blank_entry());
    let contacts = forms::parents(&f, &mut d, f.get("address"));
    if let (Some(pupil), Some(entry), Some(contacts)) = (pupil, entry, contacts) {
        let admission = NewAdmission {
            school: access.school.id,
            pupil,
            entry,
            contacts,
            actor: access.user.actor(),
            at: state.local_now().datetime(),
        };
        match state.store.admit(&admission).await {
            Ok(key) => {
                return Ok(
                    Redirect::to(&format!("/s/{school}/admissions/{}", key.0)).into_response()
                );
            }
            // A pupil already on roll: said beside the UPN.
            Err(rollcall_store::StoreError::Conflict(message)) => d.refuse("upn", message),
            Err(e) => d.take(e.into(), "upn")?,
        }
    }
    let page = admit_page(&state, &access, d).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

struct VersionLine {
    at: String,
    change: &'static str,
    by: String,
    summary: String,
}

struct ParentLine {
    name: String,
    relationship: String,
    lives_with: bool,
    phones: String,
    address: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admission.html")]
struct EntryPage {
    chrome: Chrome,
    key: i64,
    pupil: Pupil,
    status: String,
    entry: Option<Entry>,
    parents: Vec<ParentLine>,
    history: Vec<VersionLine>,
    deletions: Vec<(String, String, String, String)>,
    may_keep: bool,
    may_delete: bool,
    on_roll: bool,
    today: Date,
    registrations: Vec<(&'static str, &'static str)>,
    grounds: Vec<(&'static str, String)>,
    ground_help: Vec<(String, &'static str, &'static str, String)>,
    refused: Refused,
    /// The entry forms as they stand: the current values, or as sent when refused.
    entry_draft: Draft,
    /// The learner's home school, when the school keeps them (an alternative provision).
    home: Option<rollcall_core::admission::home::HomeLink>,
    /// Whether the school tells home schools of absences.
    keeps_home_schools: bool,
    /// The home-school form as it stands.
    home_draft: Draft,
}

fn entry_values(entry: Option<&Entry>) -> Vec<(String, String)> {
    let Some(e) = entry else {
        return Vec::new();
    };
    let mut values = vec![
        ("address".to_owned(), e.address.clone()),
        ("last_school".to_owned(), e.last_school.clone()),
        ("registration".to_owned(), e.registration.code().to_owned()),
        (
            "other_school".to_owned(),
            e.other_school.clone().unwrap_or_default(),
        ),
    ];
    if e.boarder {
        values.push(("boarder".to_owned(), "yes".to_owned()));
    }
    values
}

fn summary(v: &EntryVersion) -> String {
    let e = &v.entry;
    let mut parts = vec![e.registration.title().to_owned()];
    if let Some(f) = &e.future_address {
        let from = f
            .from
            .map(|d| format!(" from {}", human_date(&d)))
            .unwrap_or_default();
        parts.push(format!(
            "New address with {}: {}{from}",
            f.parent, f.address
        ));
    }
    if let Some(n) = &e.next_school {
        let from = n
            .from
            .map(|d| format!(" from {}", human_date(&d)))
            .unwrap_or_default();
        parts.push(format!("New school: {}{from}", n.name));
    }
    parts.join(" · ")
}

async fn entry_page(
    state: &AppState,
    access: &Access,
    key: PupilKey,
    refused: Refused,
) -> Result<EntryPage, AppError> {
    access.require(
        Permission::KeepAdmissionRegister,
        "see the admission register",
    )?;
    let record = access.pupil(state, key).await?;
    access
        .log_opening(state, key, Opened::AdmissionEntry, None)
        .await?;
    let today = state.local_now().date();
    let history = state.store.entry_history(key).await?;
    let deletions = state.store.deletions(key).await?;
    let entry = history.last().map(|v| v.entry.clone());
    let latest_deletion = deletions
        .last()
        .filter(|_| record.pupil.leaving_date.is_some());
    // The correction form starts from the entry as it stands.
    let (entry_draft, refused) = match refused.is("entry") {
        true => (refused.draft, Refused::default()),
        false => (Draft::of(entry_values(entry.as_ref())), refused),
    };
    let home = super::home_schools::link(state, access, key).await?;
    let (home_draft, refused) = match refused.is("home") {
        true => (refused.draft, Refused::default()),
        false => (super::home_schools::values(home.as_ref()), refused),
    };
    let parents = state
        .store
        .contacts(key)
        .await?
        .into_iter()
        .map(|c| ParentLine {
            name: c.contact.name,
            relationship: c.contact.relationship,
            lives_with: c.contact.lives_with_pupil,
            phones: c.contact.phones.join(", "),
            address: c.contact.address.unwrap_or_default(),
        })
        .collect();
    Ok(EntryPage {
        chrome: Chrome::new(access, "admissions"),
        key: key.0,
        status: status(&record.pupil, latest_deletion, today),
        on_roll: record.pupil.leaving_date.is_none(),
        pupil: record.pupil,
        entry,
        parents,
        history: history
            .iter()
            .map(|v| VersionLine {
                at: v.at.strftime("%a %-d %b %Y %H:%M").to_string(),
                change: v.change.title(),
                by: v.by.clone(),
                summary: summary(v),
            })
            .collect(),
        deletions: deletions
            .iter()
            .map(|d| {
                (
                    human_date(&d.deletion.leaving_date),
                    format!(
                        "{}: {}",
                        d.deletion.ground.paragraph(),
                        d.deletion.ground.title()
                    ),
                    d.by.clone(),
                    d.deletion.note.clone(),
                )
            })
            .collect(),
        may_keep: access.permits(Permission::KeepAdmissionRegister),
        may_delete: access.permits(Permission::DeleteFromRegister),
        today,
        registrations: registrations(),
        grounds: Ground::ALL
            .iter()
            .map(|g| (g.id(), format!("{}: {}", g.paragraph(), g.title())))
            .collect(),
        ground_help: Ground::ALL
            .iter()
            .map(|g| {
                let needs = g.needs();
                let mut on_file = Vec::new();
                if needs.other_school {
                    on_file.push("the other school".to_owned());
                }
                if let Some(what) = needs.evidence {
                    on_file.push(format!("the date of {what}"));
                }
                if needs.enquiries {
                    on_file.push("the joint enquiries with the local authority".to_owned());
                }
                (g.paragraph(), g.title(), g.conditions(), on_file.join(", "))
            })
            .collect(),
        refused,
        entry_draft,
        keeps_home_schools: access.policy.procedures.home_school.is_some() || home.is_some(),
        home,
        home_draft,
    })
}

async fn entry(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil)): Path<(i64, i64)>,
) -> Result<EntryPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    entry_page(&state, &access, PupilKey(pupil), Refused::default()).await
}

pub(super) async fn refused(
    state: &AppState,
    access: &Access,
    key: PupilKey,
    refused: Refused,
) -> Result<Response, AppError> {
    let page = entry_page(state, access, key, refused).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn change_entry(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil)): Path<(i64, i64)>,
    crate::limits::Form(fields): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(
        Permission::KeepAdmissionRegister,
        "keep the admission register",
    )?;
    let key = PupilKey(pupil);
    access.pupil(&state, key).await?;
    let f = FormData(fields);
    let mut d = Draft::of(f.0.clone());
    let change = EntryChange::parse(f.get("change"))
        .filter(|c| *c != EntryChange::Admitted)
        .ok_or_else(|| AppError::BadRequest("correct the entry or record a notice".into()))?;
    let held = current_entry(state.store.as_ref(), key).await?;
    let base = held.map_or_else(forms::blank_entry, |v| v.entry);
    let new = match change {
        EntryChange::Notified => forms::notified(&f, &mut d, base),
        _ => forms::entry(&f, &mut d, base),
    };
    if let Some(new) = new {
        let now = state.local_now().datetime();
        match state
            .store
            .change_entry(key, &new, change, &access.user.actor(), now)
            .await
        {
            Ok(()) => {
                return Ok(Redirect::to(&format!("/s/{school}/admissions/{pupil}")).into_response());
            }
            Err(e) => d.take(e.into(), "address")?,
        }
    }
    let form = match change {
        EntryChange::Notified => "notify",
        _ => "entry",
    };
    refused(
        &state,
        &access,
        key,
        Refused {
            form: form.into(),
            draft: d,
        },
    )
    .await
}

async fn delete_pupil(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil)): Path<(i64, i64)>,
    crate::limits::Form(fields): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(
        Permission::DeleteFromRegister,
        "delete a pupil from the admission register",
    )?;
    let key = PupilKey(pupil);
    access.pupil(&state, key).await?;
    let f = FormData(fields);
    let mut d = Draft::of(f.0.clone());
    if let Some(deletion) = forms::deletion(&f, &mut d) {
        let now = state.local_now().datetime();
        let calendar = &access.policy.calendar;
        let actor = access.user.actor();
        match delete(state.store.as_ref(), key, &deletion, calendar, &actor, now).await {
            Ok(()) => {
                return Ok(Redirect::to(&format!("/s/{school}/admissions/{pupil}")).into_response());
            }
            Err(e) => d.take(e.into(), "ground")?,
        }
    }
    refused(
        &state,
        &access,
        key,
        Refused {
            form: "delete".into(),
            draft: d,
        },
    )
    .await
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{school}/admissions", get(index))
        .route("/s/{school}/admissions/new", get(admit_form).post(admit))
        .route("/s/{school}/admissions/{pupil}", get(entry))
        .route(
            "/s/{school}/admissions/{pupil}/entry",
            axum::routing::post(change_entry),
        )
        .route(
            "/s/{school}/admissions/{pupil}/deletion",
            axum::routing::post(delete_pupil),
        )
}
