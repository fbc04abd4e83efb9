//! Casework: the worklist's items as the Today and pupil pages show them, and the forms that
//! complete or dismiss them, add to a chronology and record circumstances.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use jiff::civil::{Date, DateTime};
use rollcall_core::text::human_date;
use rollcall_core::worklist::rule_title;
use rollcall_core::{AcademicYear, EntryKind, Flag, YearGroup};
use rollcall_store::{Casebook, Due, PupilKey, PupilRecord, SchoolId};
use serde::Deserialize;

use super::Chrome;
use super::form::{Draft, FormData, Refused};

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
    pub year: YearGroup,
    /// When its letter was printed, if it is not yet recorded as sent.
    pub printed: Option<String>,
    /// What the last action on it did, shown at its top ("No answer at 09:12 …").
    pub status: Option<String>,
    /// Why the last action on it was refused, next to its form.
    pub error: Option<String>,
    /// Whether the last action on it may still be taken back.
    pub undo: bool,
    /// Whether it is done or dismissed, shown only as what was done.
    pub closed: bool,
}

impl DueLine {
    pub fn of(due: &Due<'_>, now: DateTime, book: &Casebook) -> DueLine {
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
            year: due.pupil.pupil.year_group,
            printed: book
                .printed(due.pupil.key, &item.key)
                .map(|at| human_date(&at.date())),
            status: None,
            error: None,
            undo: false,
            closed: false,
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

/// The chronology form's fields.
struct EntryForm {
    item: String,
    kind: String,
    with: String,
    note: String,
    rating: String,
    likelihood: String,
    frequency: String,
    back: String,
}

impl EntryForm {
    fn of(f: &FormData) -> EntryForm {
        let get = |name: &str| f.get(name).to_owned();
        EntryForm {
            item: get("item"),
            kind: get("kind"),
            with: get("with"),
            note: get("note"),
            rating: get("rating"),
            likelihood: get("likelihood"),
            frequency: get("frequency"),
            back: get("back"),
        }
    }
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
    headers: HeaderMap,
    crate::limits::Form(fields): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let sent = FormData(fields);
    let mut draft = Draft::of(sent.0.clone());
    let form = EntryForm::of(&sent);
    let score = |text: &str, what: &'static str| -> Result<Option<u8>, AppError> {
        match text.trim() {
            "" => Ok(None),
            n => n.parse().map(Some).map_err(|_| AppError::Invalid {
                field: what,
                message: format!("The {what} must be a number from 1 to 5 (not {n:?})."),
            }),
        }
    };
    let back = back_to(
        school,
        form.back,
        format!("/s/{school}/pupils/{pupil}#chronology"),
    );
    let likelihood = draft.check("likelihood", score(&form.likelihood, "likelihood"));
    let frequency = draft.check("frequency", score(&form.frequency, "frequency"));
    let recorded = match (likelihood, frequency) {
        (Some(likelihood), Some(frequency)) => {
            let record = Record {
                item: Some(form.item),
                kind: form.kind,
                with: form.with,
                note: form.note,
                rating: Some(form.rating),
                likelihood,
                frequency,
            };
            if headers.contains_key("hx-request") {
                return in_place(&state, &access, PupilKey(pupil), record, back).await;
            }
            work::record_entry(&state, &access, PupilKey(pupil), record).await
        }
        _ => Ok(()),
    };
    match recorded {
        Ok(()) if !draft.is_refused() => Ok(Redirect::to(&back).into_response()),
        // From the Today page without its script, the refusal is a page of its own.
        Err(error) if back.contains("/office") => Err(error),
        Ok(()) => refused_on_pupil_page(&state, &access, pupil, "entry", draft).await,
        Err(error) => {
            draft.take(error, "note")?;
            refused_on_pupil_page(&state, &access, pupil, "entry", draft).await
        }
    }
}

/// The pupil page again with one of its forms as sent and what is wrong with it.
async fn refused_on_pupil_page(
    state: &AppState,
    access: &Access,
    pupil: i64,
    form: &'static str,
    draft: Draft,
) -> Result<Response, AppError> {
    let refused = Refused {
        form: form.into(),
        draft,
    };
    super::pupils::refused(state, access, PupilKey(pupil), refused).await
}

/// One worklist item, after an action on it, for the page to put in its place.
#[derive(Template, WebTemplate)]
#[template(path = "due_item.html")]
struct DueItem {
    chrome: Chrome,
    d: DueLine,
    show_pupil: bool,
    entry_kinds: Vec<(&'static str, &'static str)>,
    back: String,
    /// What a screen reader announces.
    announce: String,
}

/// The pupil's items due now, as the pages show them.
async fn pupil_due(
    state: &AppState,
    access: &Access,
    record: &PupilRecord,
) -> Result<Vec<DueLine>, AppError> {
    let now = state.local_now().datetime();
    let year = AcademicYear::of(now.date());
    let marks = state
        .store
        .marks(record.key, year.first_day(), year.last_day())
        .await?;
    let book = Casebook::pupil(state.store.as_ref(), record.clone(), &marks, now.date()).await?;
    Ok(book
        .items(&access.policy, now)
        .iter()
        .map(|d| DueLine::of(d, now, &book))
        .collect())
}

/// Records an entry from the Today or pupil page and answers with its item as it now
/// stands: done (with a short undo), still open (a try that reached nobody), open again
/// (undone), or with the refusal next to its form.
async fn in_place(
    state: &AppState,
    access: &Access,
    pupil: PupilKey,
    record: Record,
    back: String,
) -> Result<Response, AppError> {
    let learner = access.pupil(state, pupil).await?;
    let item = record.item.clone().unwrap_or_default();
    let kind = record.kind.clone();
    let find = |lines: Vec<DueLine>| lines.into_iter().find(|l| l.item == item);
    let before = find(pupil_due(state, access, &learner).await?);
    let outcome = work::record_entry(state, access, pupil, record).await;
    let after = find(pupil_due(state, access, &learner).await?);
    let at = state.local_now().strftime("%H:%M").to_string();
    let (line, announce, status) = match outcome {
        Err(AppError::BadRequest(message)) => {
            let Some(mut line) = after.or(before) else {
                return Err(AppError::BadRequest(message));
            };
            line.error = Some(message.clone());
            let announce = format!("Not recorded: {message}");
            (line, announce, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(other) => return Err(other),
        Ok(()) => {
            let (line, status, undo) = match (kind.as_str(), after, before) {
                ("undone", Some(line), _) => {
                    (line, format!("Taken back at {at}: due again."), false)
                }
                ("undone", None, _) => (
                    closed_line(access, &learner, &item),
                    format!("Taken back at {at}; it is not due now."),
                    false,
                ),
                (_, Some(line), _) => (
                    line,
                    format!("No answer recorded at {at}; it stays open for the next try."),
                    true,
                ),
                (_, None, Some(mut line)) => {
                    line.closed = true;
                    let status = match EntryKind::parse_simple(&kind) {
                        Some(EntryKind::Dismissed) => format!("Dismissed at {at}."),
                        Some(done) => format!("{} recorded at {at}.", done.title()),
                        None => format!("Recorded at {at}."),
                    };
                    (line, status, true)
                }
                (_, None, None) => (
                    closed_line(access, &learner, &item),
                    format!("Recorded at {at}."),
                    false,
                ),
            };
            let mut line = line;
            line.status = Some(status.clone());
            line.undo = undo;
            (line, status, StatusCode::OK)
        }
    };
    let page = DueItem {
        chrome: Chrome::new(access, "office"),
        show_pupil: back.contains("/office"),
        d: line,
        entry_kinds: entry_kinds(),
        back,
        announce,
    };
    Ok((status, page).into_response())
}

/// An item that is not due, shown by its rule's title.
fn closed_line(access: &Access, learner: &PupilRecord, item: &str) -> DueLine {
    let rule = item.split('@').next().unwrap_or_default();
    DueLine {
        pupil: learner.key.0,
        name: learner.pupil.name(),
        group: learner.pupil.reg_group.clone(),
        item: item.to_owned(),
        what: rule_title(&access.policy.procedures, rule).unwrap_or_else(|| "Worklist item".into()),
        who: String::new(),
        due: String::new(),
        overdue: false,
        reason: String::new(),
        source: String::new(),
        entry_kind: EntryKind::Note.id(),
        letter: None,
        year: learner.pupil.year_group,
        printed: None,
        status: None,
        error: None,
        undo: false,
        closed: true,
    }
}

async fn add_flag(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil)): Path<(i64, i64)>,
    crate::limits::Form(fields): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let f = FormData(fields);
    let mut draft = Draft::of(f.0.clone());
    if let Some(from) = draft.check("from", f.date("from", "The first day")) {
        let added = work::add_flag(
            &state,
            &access,
            PupilKey(pupil),
            f.get("flag"),
            from,
            f.get("note"),
        )
        .await;
        match added {
            Ok(()) => {
                let to = format!("/s/{school}/pupils/{pupil}#circumstances");
                return Ok(Redirect::to(&to).into_response());
            }
            Err(error) => draft.take(error, "flag")?,
        }
    }
    refused_on_pupil_page(&state, &access, pupil, "flag", draft).await
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
