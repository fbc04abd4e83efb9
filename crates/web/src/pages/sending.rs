//! A letter before and after printing: the preview that shows what each family will read,
//! and the recording that a printed letter was sent (posted, handed over, emailed), which
//! completes its step on the worklist and can be taken back for a few minutes.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use rollcall_core::Opened;
use rollcall_core::delivery::Delivery;
use rollcall_store::{PupilKey, SchoolId};

use super::Chrome;
use super::casefile::LetterLine;
use super::casework::back_to;
use super::form::FormData;
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;
use crate::letters;

/// One letter after an action on it, for the page to put in its place.
#[derive(Template, WebTemplate)]
#[template(path = "letter_item.html")]
struct LetterItem {
    chrome: Chrome,
    l: LetterLine,
    deliveries: Vec<(&'static str, &'static str)>,
    back: String,
    /// What a screen reader announces.
    announce: String,
}

/// The ways a letter may be recorded as sent: (value, label).
pub(crate) fn deliveries() -> Vec<(&'static str, &'static str)> {
    Delivery::CHOSEN
        .into_iter()
        .map(|d| (d.id(), d.title()))
        .collect()
}

async fn letter_sent(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, id)): Path<(i64, i64)>,
    headers: HeaderMap,
    crate::limits::Form(fields): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let f = FormData(fields);
    let how = Delivery::parse(f.get("how"))
        .filter(|d| *d != Delivery::Sent)
        .ok_or_else(|| AppError::Invalid {
            field: "how",
            message: "Choose how the letter was sent.".into(),
        })?;
    let back = back_to(
        school,
        f.get("back").to_owned(),
        format!("/s/{school}/letters"),
    );
    let recorded = letters::record_sent(&state, &access, id, how).await;
    if !headers.contains_key("hx-request") {
        recorded?;
        return Ok(Redirect::to(&back).into_response());
    }
    let now = state.local_now().datetime();
    let (letter, error) = match recorded {
        Ok(letter) => (letter, None),
        Err(AppError::Invalid { message, .. } | AppError::BadRequest(message)) => (
            state.store.letter(access.school.id, id).await?,
            Some(message),
        ),
        Err(other) => return Err(other),
    };
    let mut line = LetterLine::of(&letter, &access, now);
    let announce = match (&error, &line.sent) {
        (Some(message), _) => format!("Not recorded: {message}"),
        (None, Some(sent)) => format!("{sent}."),
        (None, None) => "Taken back: the letter is not yet sent.".to_owned(),
    };
    line.error = error;
    Ok(LetterItem {
        chrome: Chrome::new(&access, "pupils"),
        l: line,
        deliveries: deliveries(),
        back,
        announce,
    }
    .into_response())
}

/// Records the chosen printed letters as sent, all the same way, and goes back to the
/// Letters page.
async fn letters_sent(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    crate::limits::Form(fields): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Redirect, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let f = FormData(fields);
    let how = Delivery::parse(f.get("how"))
        .filter(|d| Delivery::CHOSEN.contains(d))
        .ok_or_else(|| AppError::BadRequest("choose how the letters were sent".into()))?;
    let ids = f
        .all("letter")
        .map(|id| {
            id.parse::<i64>()
                .map_err(|_| AppError::BadRequest(format!("{id:?} is not a letter")))
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    if ids.is_empty() {
        return Err(AppError::BadRequest("choose at least one letter".into()));
    }
    for id in ids {
        letters::record_sent(&state, &access, id, how).await?;
    }
    Ok(Redirect::to(&format!("/s/{school}/letters")))
}

/// A letter as the preview shows it.
struct PreviewLetter {
    to: String,
    recipient: Vec<String>,
    date: String,
    salutation: String,
    subject: String,
    about: String,
    paragraphs: Vec<Vec<String>>,
    closing: String,
    signatory: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "letter_preview.html")]
struct PreviewPage {
    chrome: Chrome,
    key: i64,
    pupil: String,
    title: &'static str,
    letters: Vec<PreviewLetter>,
    /// The form as sent, to print from.
    fields: Vec<(String, String)>,
}

/// What a letter will say to each family, before anything is printed or kept.
async fn preview(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil)): Path<(i64, i64)>,
    crate::limits::Form(fields): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let f = FormData(fields);
    let composed = super::letterbook::compose_for(&state, &access, PupilKey(pupil), &f).await;
    let (record, kind, printed) = match composed {
        Ok(composed) => composed,
        Err(error) => {
            return super::letterbook::refused_letter(&state, &access, pupil, f, error).await;
        }
    };
    // A preview shows the pupil's figures and their family's addresses: who saw it is kept.
    let detail = format!("{}, previewed", kind.title());
    access
        .log_opening(&state, record.key, Opened::Letter, Some(&detail))
        .await?;
    Ok(PreviewPage {
        chrome: Chrome::new(&access, "pupils"),
        key: pupil,
        pupil: record.pupil.name(),
        title: kind.title(),
        letters: printed
            .into_iter()
            .map(|p| PreviewLetter {
                to: p.recipient,
                recipient: p.letter.recipient,
                date: p.letter.date,
                salutation: p.letter.salutation,
                subject: p.letter.subject,
                about: p.letter.about,
                paragraphs: p.letter.paragraphs,
                closing: p.letter.closing,
                signatory: p.letter.signatory,
            })
            .collect(),
        fields: f.0,
    }
    .into_response())
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{school}/letters/{id}/sent", post(letter_sent))
        .route("/s/{school}/letters/sent", post(letters_sent))
        .route("/s/{school}/pupils/{pupil}/letters/preview", post(preview))
}
