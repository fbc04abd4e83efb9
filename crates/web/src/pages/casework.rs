//! Casework: the worklist's items as the Today and pupil pages show them, and the forms that
//! complete or dismiss them, add to a chronology and record circumstances.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::routing::post;
use jiff::civil::{Date, DateTime};
use rollcall_core::{EntryKind, Flag};
use rollcall_store::{Due, PupilKey, SchoolId};
use serde::Deserialize;

use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;
use crate::work::{self, Record};

/// One item due, as a page shows it.
pub(crate) struct DueLine {
    pub pupil: i64,
    pub name: String,
    pub group: String,
    pub item: String,
    pub what: String,
    pub who: String,
    pub due: String,
    pub overdue: bool,
    pub reason: String,
    pub source: String,
    /// The entry that records doing it, for the form's default.
    pub entry_kind: &'static str,
    /// The letter it asks for, when a step's id names one in the library.
    pub letter: Option<&'static str>,
}

impl DueLine {
    pub fn of(due: &Due<'_>, now: DateTime) -> DueLine {
        let item = &due.item;
        DueLine {
            pupil: due.pupil.key.0,
            name: due.pupil.pupil.name(),
            group: due.pupil.pupil.reg_group.clone(),
            item: item.key.to_string(),
            what: item.what.clone(),
            who: item.who.clone(),
            due: when(item.due, now),
            overdue: item.due < now,
            reason: item.reason.clone(),
            source: item.source.clone(),
            entry_kind: EntryKind::recording(item.kind).id(),
            letter: (item.kind == rollcall_core::ActionKind::Letter)
                .then(|| crate::letters::letter_for(&item.key))
                .flatten()
                .map(|k| k.id()),
        }
    }
}

/// "by 09:30", "by Fri 21 Nov", "by 3 Oct 2025".
fn when(due: DateTime, now: DateTime) -> String {
    if due.date() == now.date() {
        format!("by {}", due.strftime("%H:%M"))
    } else if due.year() == now.year() {
        format!("by {}", due.strftime("%a %-d %b"))
    } else {
        format!("by {}", due.strftime("%-d %b %Y"))
    }
}

/// A heading of the Today page.
pub(crate) struct Section {
    pub id: &'static str,
    pub title: &'static str,
    pub items: Vec<DueLine>,
}

/// The Today page's headings, in order, by the rule that asks for an item.
const SECTIONS: [(&str, &str, &[&str]); 8] = [
    (
        "contacts",
        "Contacts and visits due",
        &["first_day.", "welfare.", "vulnerability."],
    ),
    ("escalations", "Escalations due", &["escalation."]),
    ("n-overdue", "N codes overdue", &["statutory.n_overdue"]),
    ("stages", "Stage and band changes due", &["stage.", "band."]),
    (
        "penalty",
        "Penalty-notice thresholds to consider",
        &["penalty."],
    ),
    (
        "illness",
        "Illness: sickness returns and medical evidence",
        &["illness."],
    ),
    (
        "home-school",
        "Home-school notifications",
        &["home_school."],
    ),
    (
        "statutory",
        "Statutory duties and leave",
        &["statutory.", "leave."],
    ),
];

/// Items sorted under the Today page's headings; headings with nothing due are left out.
pub(crate) fn sections(lines: Vec<DueLine>) -> Vec<Section> {
    let mut sections: Vec<Section> = SECTIONS
        .iter()
        .map(|(id, title, _)| Section {
            id,
            title,
            items: Vec::new(),
        })
        .collect();
    for line in lines {
        let rule = line.item.split('@').next().unwrap_or_default();
        let at = SECTIONS
            .iter()
            .position(|(_, _, prefixes)| prefixes.iter().any(|p| rule.starts_with(p)))
            .unwrap_or(SECTIONS.len() - 1);
        if let Some(section) = sections.get_mut(at) {
            section.items.push(line);
        }
    }
    sections.retain(|s| !s.items.is_empty());
    sections
}

/// The kinds of entry a form offers: value and label.
pub(crate) fn entry_kinds() -> Vec<(&'static str, &'static str)> {
    EntryKind::SIMPLE
        .into_iter()
        .filter(|k| *k != EntryKind::Dismissed)
        .map(|k| (k.id(), k.title()))
        .collect()
}

/// The circumstances a form offers: value and label.
pub(crate) fn flag_options() -> Vec<(&'static str, &'static str)> {
    Flag::ALL.into_iter().map(|f| (f.id(), f.title())).collect()
}

#[derive(Deserialize)]
struct EntryForm {
    #[serde(default)]
    item: String,
    kind: String,
    #[serde(default)]
    with: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    likelihood: String,
    #[serde(default)]
    frequency: String,
    #[serde(default)]
    back: String,
}

/// Only ever back to a page of the same school.
pub(crate) fn back_to(school: i64, back: String, otherwise: String) -> String {
    let prefix = format!("/s/{school}/");
    if back.starts_with(&prefix) && !back.contains("//") {
        back
    } else {
        otherwise
    }
}

async fn add_entry(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil)): Path<(i64, i64)>,
    crate::limits::Form(form): crate::limits::Form<EntryForm>,
) -> Result<Redirect, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let score = |text: &str, what: &str| -> Result<Option<u8>, AppError> {
        match text.trim() {
            "" => Ok(None),
            n => n.parse().map(Some).map_err(|_| {
                AppError::BadRequest(format!("the {what} {n:?} is not a number from 1 to 5"))
            }),
        }
    };
    let record = Record {
        item: Some(form.item),
        kind: form.kind,
        with: form.with,
        note: form.note,
        rating: Some(form.rating),
        likelihood: score(&form.likelihood, "likelihood")?,
        frequency: score(&form.frequency, "frequency")?,
    };
    work::record_entry(&state, &access, PupilKey(pupil), record).await?;
    Ok(Redirect::to(&back_to(
        school,
        form.back,
        format!("/s/{school}/pupils/{pupil}#chronology"),
    )))
}

#[derive(Deserialize)]
struct FlagForm {
    flag: String,
    from: Date,
    #[serde(default)]
    note: String,
}

async fn add_flag(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil)): Path<(i64, i64)>,
    crate::limits::Form(form): crate::limits::Form<FlagForm>,
) -> Result<Redirect, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    work::add_flag(
        &state,
        &access,
        PupilKey(pupil),
        &form.flag,
        form.from,
        &form.note,
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/s/{school}/pupils/{pupil}#circumstances"
    )))
}

#[derive(Deserialize)]
struct EndForm {
    until: Date,
}

async fn end_flag(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil, id)): Path<(i64, i64, i64)>,
    crate::limits::Form(form): crate::limits::Form<EndForm>,
) -> Result<Redirect, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    work::end_flag(&state, &access, PupilKey(pupil), id, form.until).await?;
    Ok(Redirect::to(&format!(
        "/s/{school}/pupils/{pupil}#circumstances"
    )))
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{school}/pupils/{pupil}/casework", post(add_entry))
        .route("/s/{school}/pupils/{pupil}/flags", post(add_flag))
        .route(
            "/s/{school}/pupils/{pupil}/flags/{flag}/end",
            post(end_flag),
        )
}
