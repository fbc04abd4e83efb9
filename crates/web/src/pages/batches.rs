//! Whole-school letters: the half-termly traffic-light letter to every family and the 100%
//! certificates, each chosen over a period (`rollcall_core::batch`), shown before anything is
//! printed (who gets which letter, and who is left out and why), then printed as one PDF and
//! kept on each pupil's file, to be recorded as sent from the Letters page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::ToSpan;
use jiff::civil::Date;
use rollcall_core::batch::{BatchKind, Selection, half_term, select};
use rollcall_core::{AcademicYear, DateRange, Permission};
use rollcall_letters::LetterKind;
use rollcall_store::{Casebook, SchoolId};
use serde::Deserialize;

use super::Chrome;
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;
use crate::letters::{self, Extra, Printed, PupilFigures, pdf_response};

/// The periods a batch can cover: (value, label).
const PERIODS: [(&str, &str); 3] = [
    ("this_half", "This half term so far"),
    ("last_half", "The half term before"),
    ("year", "This school year so far"),
];

/// The period a choice names on `today`: its name and dates.
fn period(access: &Access, choice: &str, today: Date) -> Result<(String, DateRange), AppError> {
    let calendar = &access.policy.calendar;
    let not_in_term = || AppError::Invalid {
        field: "period",
        message: "That period is not in the school's calendar; choose another.".into(),
    };
    match choice {
        "this_half" => half_term(calendar, today).ok_or_else(not_in_term),
        "last_half" => {
            let (_, this) = half_term(calendar, today).ok_or_else(not_in_term)?;
            half_term_before(access, this).ok_or_else(not_in_term)
        }
        "year" => {
            let year = AcademicYear::of(today);
            Ok((
                format!("{year} so far"),
                DateRange {
                    first: year.first_day(),
                    last: today,
                },
            ))
        }
        _ => Err(not_in_term()),
    }
}

/// The half term before one: back from the day before it began to the last day in a term.
fn half_term_before(access: &Access, this: DateRange) -> Option<(String, DateRange)> {
    (1..=60)
        .filter_map(|n| this.first.checked_sub(n.days()).ok())
        .find_map(|day| half_term(&access.policy.calendar, day))
}

/// The period a most-improved batch compares with: the half term before the one chosen.
fn compared_with(
    access: &Access,
    kind: BatchKind,
    choice: &str,
    period: DateRange,
) -> Result<Option<DateRange>, AppError> {
    if kind != BatchKind::MostImproved {
        return Ok(None);
    }
    let none = || AppError::Invalid {
        field: "period",
        message: "Most improved compares a half term with the one before: choose a half term \
                  that has one."
            .into(),
    };
    if choice == "year" {
        return Err(none());
    }
    half_term_before(access, period)
        .map(|(_, range)| Some(range))
        .ok_or_else(none)
}

#[derive(Deserialize)]
struct BatchQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    period: String,
    /// `email` to send through the outbox; anything else prints.
    #[serde(default)]
    send: String,
    /// How many emails were just queued, for the page to say.
    queued: Option<usize>,
}

/// One pupil as the preview lists them.
struct PupilLine {
    key: i64,
    name: String,
    group: String,
    rate: String,
    band: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "batches.html")]
struct BatchesPage {
    chrome: Chrome,
    kinds: Vec<(&'static str, &'static str)>,
    periods: Vec<(&'static str, &'static str)>,
    kind: String,
    period: String,
    /// The preview, once a kind and period are chosen.
    preview: Option<Preview>,
    /// How many emails a batch just queued.
    queued: Option<usize>,
}

struct Preview {
    title: &'static str,
    period: String,
    chosen: Vec<PupilLine>,
    /// How many in each band: (band, count).
    bands: Vec<(String, usize)>,
    left_out: Vec<(PupilLine, String)>,
}

/// What a batch would send: its pupils and those it leaves out.
async fn choose(
    state: &AppState,
    access: &Access,
    kind: BatchKind,
    choice: &str,
    period: DateRange,
) -> Result<(Casebook, Selection), AppError> {
    let before = compared_with(access, kind, choice, period)?;
    if kind == BatchKind::TrafficLight && access.policy.procedures.bands.is_empty() {
        return Err(AppError::Invalid {
            field: "kind",
            message: "Traffic-light letters name each pupil's band, and the school's policy has \
                      no attendance bands ([[procedures.bands]])."
                .into(),
        });
    }
    let today = state.local_now().date();
    let book = Casebook::school(state.store.as_ref(), access.school.id, today).await?;
    let procedures = &access.policy.procedures;
    let flags = |id| {
        book.record(id).map_or(Vec::new(), |record| {
            procedures
                .skip_low_attendance_letters
                .iter()
                .copied()
                .filter(|f| book.has_flag(record, *f))
                .collect()
        })
    };
    let selection = select(kind, book.register(), period, before, procedures, &flags);
    Ok((book, selection))
}

fn line(book: &Casebook, id: rollcall_core::PupilId, rate: String, band: String) -> PupilLine {
    let record = book.record(id);
    PupilLine {
        key: record.map_or(0, |r| r.key.0),
        name: record.map(|r| r.pupil.name()).unwrap_or_default(),
        group: record
            .map(|r| r.pupil.reg_group.clone())
            .unwrap_or_default(),
        rate,
        band,
    }
}

fn kind_of(text: &str) -> Result<BatchKind, AppError> {
    BatchKind::parse(text).ok_or_else(|| AppError::Invalid {
        field: "kind",
        message: "Choose the letters to send.".into(),
    })
}

async fn batches(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    Query(query): Query<BatchQuery>,
) -> Result<BatchesPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::WorkCases, "send letters")?;
    let mut page = BatchesPage {
        chrome: Chrome::new(&access, "letters"),
        kinds: BatchKind::ALL.map(|k| (k.id(), k.title())).to_vec(),
        periods: PERIODS.to_vec(),
        kind: query.kind.clone(),
        period: query.period.clone(),
        preview: None,
        queued: query.queued,
    };
    if query.kind.is_empty() {
        return Ok(page);
    }
    let kind = kind_of(&query.kind)?;
    let today = state.local_now().date();
    let (name, range) = period(&access, &query.period, today)?;
    let (book, selection) = choose(&state, &access, kind, &query.period, range).await?;
    let mut bands: Vec<(String, usize)> = Vec::new();
    // A school without bands has none to count.
    for c in &selection.chosen {
        let Some(band) = c.band.clone() else {
            continue;
        };
        match bands.iter_mut().find(|(b, _)| *b == band) {
            Some((_, n)) => *n += 1,
            None => bands.push((band, 1)),
        }
    }
    let order = |b: &str| {
        access
            .policy
            .procedures
            .bands
            .iter()
            .position(|x| x.name == b)
    };
    bands.sort_by_key(|(b, _)| order(b));
    page.preview = Some(Preview {
        title: kind.title(),
        period: name,
        chosen: selection
            .chosen
            .iter()
            .map(|c| {
                let band = c.band.clone().unwrap_or_default();
                line(&book, c.pupil, format!("{}%", c.rate), band)
            })
            .collect(),
        bands,
        left_out: selection
            .left_out
            .iter()
            .map(|l| {
                (
                    line(&book, l.pupil, String::new(), String::new()),
                    l.why.clone(),
                )
            })
            .collect(),
    });
    Ok(page)
}

/// Prints the batch as one PDF, each pupil's letter to each contact letters go to, and keeps
/// every letter on its pupil's file.
async fn print(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    crate::limits::Form(form): crate::limits::Form<BatchQuery>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::WorkCases, "send letters")?;
    let kind = kind_of(&form.kind)?;
    let today = state.local_now().date();
    let (name, range) = period(&access, &form.period, today)?;
    let (book, selection) = choose(&state, &access, kind, &form.period, range).await?;
    let letter = match kind {
        BatchKind::TrafficLight => LetterKind::TrafficLight,
        BatchKind::Certificates => LetterKind::Certificate,
        BatchKind::MostImproved => LetterKind::Improvement,
    };
    let library = letters::library(&state, access.school.id).await?;
    let extra = Extra {
        period: name,
        ..Extra::default()
    };
    let mut printed = Vec::new();
    for chosen in &selection.chosen {
        let Some(record) = book.record(chosen.pupil) else {
            continue;
        };
        let figures = PupilFigures::over_period(chosen.tally, today);
        let contacts = state.store.contacts(record.key).await?;
        for contact in letters::recipients(&contacts) {
            printed.push(Printed {
                letter: letters::compose(
                    &access, &library, letter, record, &figures, contact, &extra,
                )?,
                pupil: record.clone(),
                recipient: contact.contact.name.clone(),
                kind: letter,
                item: None,
            });
        }
    }
    if printed.is_empty() {
        return Err(AppError::BadRequest(
            "No pupil has a letter in this batch.".into(),
        ));
    }
    if form.send == "email" {
        let queued = email(&state, &access, &printed).await?;
        let to = format!(
            "/s/{school}/letters/batches?kind={}&period={}&queued={queued}",
            kind.id(),
            form.period
        );
        return Ok(axum::response::Redirect::to(&to).into_response());
    }
    let pdf = letters::print_and_keep(&state, &access, &printed).await?;
    Ok(pdf_response(pdf, &format!("{}-{}.pdf", kind.id(), today)))
}

/// Queues each letter as an email through the outbox, each with its chronology entry; a
/// contact with no email address, who opted out or is under a court order, is kept as not
/// sent, with the reason. Returns how many will go.
async fn email(state: &AppState, access: &Access, printed: &[Printed]) -> Result<usize, AppError> {
    let now = state.local_now().datetime();
    let actor = access.user.actor();
    let mut messages = Vec::with_capacity(printed.len());
    for p in printed {
        let contacts = state.store.contacts(p.pupil.key).await?;
        let Some(contact) = contacts.iter().find(|c| c.contact.name == p.recipient) else {
            continue;
        };
        let message = letters::as_email(&p.letter, contact);
        let entry = crate::outbox::entry_for(&message, contact, now, &actor, state.clock.now());
        messages.push((message, entry));
    }
    let queued = messages
        .iter()
        .filter(|(m, _)| m.withheld.is_none())
        .count();
    state
        .store
        .queue_messages(access.school.id, &messages, state.clock.now())
        .await?;
    Ok(queued)
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/s/{school}/letters/batches", get(batches).post(print))
}
