//! Letters and the evidence pack: a letter printed for one pupil and kept, the Letters page
//! (the worklist's letters by letter, printed as one PDF), a kept letter printed again, and the
//! evidence pack for a referral to the local authority.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use rollcall_core::casework::ItemKey;
use rollcall_core::{Flag, Opened, Permission};
use rollcall_letters::{Block, LetterKind, Report, Section, Table};
use rollcall_store::{Casebook, ContactRecord, PupilKey, PupilRecord, SchoolId};

use super::casefile::line;
use super::form::{Draft, FormData, Refused};
use super::{Chrome, YearSoFar};
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;
use crate::letters::{self, Extra, Printed, PupilFigures, day_words, pdf_response};
use crate::view::full_date;
use rollcall_core::text::human_date;

pub(super) fn extra(f: &FormData) -> Result<Extra, AppError> {
    let on = |field: &'static str| {
        move |e: AppError| AppError::Invalid {
            field,
            message: crate::view::sentence(&e.to_string()),
        }
    };
    Ok(Extra {
        meeting_date: f
            .optional_date("meeting_date", "The meeting's date")
            .map_err(on("meeting_date"))?,
        meeting_time: f
            .optional_time("meeting_time", "The meeting's time")
            .map_err(on("meeting_time"))?,
        period: f.get("period").to_owned(),
    })
}

/// The letters a pupil's print form asks for, one to each contact flagged for correspondence
/// (or the one chosen), merged and laid out but not kept.
pub(super) async fn compose_for(
    state: &AppState,
    access: &Access,
    pupil: PupilKey,
    f: &FormData,
) -> Result<(PupilRecord, LetterKind, Vec<Printed>), AppError> {
    access.require(Permission::WorkCases, "send letters")?;
    let record = access.pupil(state, pupil).await?;
    let kind = LetterKind::parse(f.get("template")).ok_or_else(|| AppError::Invalid {
        field: "template",
        message: "Choose a letter.".into(),
    })?;
    let library = letters::library(state, access.school.id).await?;
    let today = state.local_now().date();
    let figures = PupilFigures::load(state, kind, &record, today).await?;
    let contacts = state.store.contacts(record.key).await?;
    let chosen: Vec<&ContactRecord> = match f.get("contact") {
        "" => letters::recipients(&contacts),
        id => letters::recipients(&contacts)
            .into_iter()
            .filter(|c| c.id.0.to_string() == id)
            .collect(),
    };
    if chosen.is_empty() {
        return Err(AppError::BadRequest(format!(
            "{} has no contact letters can go to: flag one for correspondence",
            record.pupil.name()
        )));
    }
    let extra = extra(f)?;
    let item = f.item()?;
    let printed = chosen
        .into_iter()
        .map(|c| {
            Ok(Printed {
                letter: letters::compose(access, &library, kind, &record, &figures, c, &extra)?,
                pupil: record.clone(),
                recipient: c.contact.name.clone(),
                kind,
                item: item.clone(),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok((record, kind, printed))
}

/// The pupil page again with the letter form as sent and what is wrong with it.
pub(super) async fn refused_letter(
    state: &AppState,
    access: &Access,
    pupil: i64,
    f: FormData,
    error: AppError,
) -> Result<Response, AppError> {
    let mut draft = Draft::of(f.0);
    draft.take(error, "template")?;
    let refused = Refused {
        form: "letter".into(),
        draft,
    };
    super::pupils::refused(state, access, PupilKey(pupil), refused).await
}

/// Prints a letter for one pupil (to each contact flagged for correspondence, or the one
/// chosen) and keeps it.
async fn print_letter(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil)): Path<(i64, i64)>,
    crate::limits::Form(form): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let f = FormData(form);
    let (record, kind, printed) = match compose_for(&state, &access, PupilKey(pupil), &f).await {
        Ok(composed) => composed,
        Err(error) => return refused_letter(&state, &access, pupil, f, error).await,
    };
    let pdf = letters::print_and_keep(&state, &access, &printed).await?;
    Ok(pdf_response(
        pdf,
        &format!(
            "{}-{}.pdf",
            kind.id(),
            record.pupil.legal_surname.to_lowercase()
        ),
    ))
}

async fn reprint(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::WorkCases, "see letters")?;
    let letter = state.store.letter(SchoolId(school), id).await?;
    access.pupil(&state, letter.pupil).await?;
    let detail = format!("letter {id}, reprinted");
    access
        .log_opening(&state, letter.pupil, Opened::Letter, Some(&detail))
        .await?;
    Ok(pdf_response(
        letters::reprint(&letter).await?,
        &format!("letter-{id}.pdf"),
    ))
}

/// A letter item due, as the batch page lists it.
struct BatchLine {
    item: String,
    pupil: String,
    pupil_key: i64,
    group: String,
    what: String,
    due: String,
}

struct BatchGroup {
    template: &'static str,
    title: &'static str,
    lines: Vec<BatchLine>,
}

/// A letter printed and not yet recorded as sent.
struct WaitingLine {
    id: i64,
    pupil: String,
    pupil_key: i64,
    subject: String,
    recipient: String,
    printed: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "letters.html")]
struct BatchPage {
    chrome: Chrome,
    groups: Vec<BatchGroup>,
    others: Vec<BatchLine>,
    waiting: Vec<WaitingLine>,
    deliveries: Vec<(&'static str, &'static str)>,
}

async fn batch_page(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
) -> Result<BatchPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::WorkCases, "send letters")?;
    let now = state.local_now().datetime();
    let book = Casebook::school(state.store.as_ref(), SchoolId(school), now.date()).await?;
    let mut groups: Vec<BatchGroup> = Vec::new();
    let mut others = Vec::new();
    for due in book.items(&access.policy, now) {
        if due.item.kind != rollcall_core::ActionKind::Letter {
            continue;
        }
        if book.printed(due.pupil.key, &due.item.key).is_some() {
            continue;
        }
        let line = BatchLine {
            item: due.item.key.to_string(),
            pupil: due.pupil.pupil.name(),
            pupil_key: due.pupil.key.0,
            group: due.pupil.pupil.reg_group.clone(),
            what: due.item.what.clone(),
            due: full_date(due.item.due.date()),
        };
        match letters::letter_for(&due.item.key) {
            Some(kind) => match groups.iter_mut().find(|g| g.template == kind.id()) {
                Some(g) => g.lines.push(line),
                None => groups.push(BatchGroup {
                    template: kind.id(),
                    title: kind.title(),
                    lines: vec![line],
                }),
            },
            None => others.push(line),
        }
    }
    // Every letter printed and not yet sent: the worklist's, and whole-school batches'.
    let names: std::collections::HashMap<PupilKey, String> = state
        .store
        .pupils(access.school.id)
        .await?
        .into_iter()
        .map(|p| (p.key, p.pupil.name()))
        .collect();
    let waiting = state
        .store
        .school_letters(access.school.id)
        .await?
        .into_iter()
        .filter(|l| l.sent.is_none())
        .map(|l| WaitingLine {
            id: l.id,
            pupil: names.get(&l.pupil).cloned().unwrap_or_default(),
            pupil_key: l.pupil.0,
            subject: l.subject,
            recipient: l.recipient,
            printed: human_date(&l.printed.date()),
        })
        .collect();
    Ok(BatchPage {
        chrome: Chrome::new(&access, "letters"),
        groups,
        others,
        waiting,
        deliveries: super::sending::deliveries(),
    })
}

/// Prints the chosen letter items as one PDF, every pupil's letters in turn, and keeps them.
async fn print_batch(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    crate::limits::Form(form): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::WorkCases, "send letters")?;
    let f = FormData(form);
    let kind = LetterKind::parse(f.get("template"))
        .ok_or_else(|| AppError::BadRequest("choose a letter".into()))?;
    let extra = extra(&f)?;
    let library = letters::library(&state, SchoolId(school)).await?;
    let today = state.local_now().date();
    let mut printed = Vec::new();
    for text in f.all("item") {
        let (pupil, key) = text
            .split_once(':')
            .and_then(|(p, k)| Some((p.parse::<i64>().ok()?, ItemKey::parse(k)?)))
            .ok_or_else(|| {
                AppError::BadRequest(format!("{text:?} is not a pupil's worklist item"))
            })?;
        let record = access.pupil(&state, PupilKey(pupil)).await?;
        let figures = PupilFigures::load(&state, kind, &record, today).await?;
        let contacts = state.store.contacts(record.key).await?;
        let to = letters::recipients(&contacts);
        if to.is_empty() {
            return Err(AppError::BadRequest(format!(
                "{} has no contact letters can go to: flag one for correspondence",
                record.pupil.name()
            )));
        }
        for c in to {
            printed.push(Printed {
                letter: letters::compose(&access, &library, kind, &record, &figures, c, &extra)?,
                pupil: record.clone(),
                recipient: c.contact.name.clone(),
                kind,
                item: Some(key.clone()),
            });
        }
    }
    if printed.is_empty() {
        return Err(AppError::BadRequest("choose at least one pupil".into()));
    }
    let pdf = letters::print_and_keep(&state, &access, &printed).await?;
    Ok(pdf_response(pdf, &format!("{}-batch.pdf", kind.id())))
}

/// The evidence pack for a referral to the LA: the attendance record, the case file, the
/// letters and the chronology, as one PDF.
async fn evidence_pack(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::WorkCases, "print evidence packs")?;
    let record = access.pupil(&state, PupilKey(pupil)).await?;
    access
        .log_opening(&state, record.key, Opened::EvidencePack, None)
        .await?;
    let now = state.local_now().datetime();
    let YearSoFar { marks, tally, .. } = YearSoFar::load(&state, record.key, now.date()).await?;
    let book = Casebook::pupil(state.store.as_ref(), record.clone(), &marks, now.date()).await?;
    let standing = book.standing(record.key, &access.policy, now);
    let pct = |r: Option<rollcall_core::Rate>| r.map_or_else(|| "—".into(), |r| format!("{r}%"));
    let mut attendance = vec![
        (
            "Attendance this year".to_owned(),
            pct(tally.attendance_rate()),
        ),
        ("Possible sessions".to_owned(), tally.possible.to_string()),
        ("Present".to_owned(), tally.present.to_string()),
        (
            "Authorised absence".to_owned(),
            format!("{} ({})", tally.authorised, pct(tally.authorised_rate())),
        ),
        (
            "Unauthorised absence".to_owned(),
            format!(
                "{} ({})",
                tally.unauthorised,
                pct(tally.unauthorised_rate())
            ),
        ),
        (
            "Late after the register closed (U)".to_owned(),
            tally.late_after_close.to_string(),
        ),
    ];
    if let Some((stage, since)) = standing.stage {
        attendance.push((
            "Stage".into(),
            format!("{} since {}", stage.name, full_date(since)),
        ));
    }
    let absences = Table {
        caption: "Sessions absent this year".into(),
        header: vec![
            "Date".into(),
            "Session".into(),
            "Code".into(),
            "Meaning".into(),
        ],
        rows: marks
            .iter()
            .filter(|m| m.key.date <= now.date() && m.code.is_possible() && !m.code.is_attendance())
            .map(|m| {
                vec![
                    full_date(m.key.date),
                    m.key.session.to_string(),
                    m.code.to_string(),
                    m.code.meaning().to_owned(),
                ]
            })
            .collect(),
        highlight: None,
    };
    let case_file: Vec<Block> = book
        .case_file(record.key)
        .iter()
        .map(|r| line(r, book.has_flag(&record, Flag::Ehcp)))
        .flat_map(|l| {
            [
                Block::Paragraph {
                    text: format!("{} — recorded by {}", l.title, l.by),
                },
                Block::Fields { pairs: l.details },
            ]
        })
        .collect();
    // Only letters that went to the family are evidence of what the family was told.
    let mut letters: Vec<Block> = Vec::new();
    for l in state.store.letters(record.key).await? {
        let Some(sent) = &l.sent else { continue };
        let how = format!(
            "{} {} by {}",
            sent.how.title(),
            human_date(&sent.at.date()),
            sent.by
        );
        letters.push(Block::Fields {
            pairs: vec![("Sent".into(), how)],
        });
        let content = serde_json::from_str(&l.content)
            .map_err(|e| AppError::Internal(format!("letter {}: {e}", l.id)))?;
        letters.push(Block::Letter(Box::new(content)));
    }
    let chronology = Table {
        caption: String::new(),
        header: vec![
            "When".into(),
            "What".into(),
            "With".into(),
            "Note".into(),
            "By".into(),
        ],
        rows: book
            .chronology(record.key)
            .iter()
            .map(|e| {
                vec![
                    e.at.strftime("%-d %b %Y %H:%M").to_string(),
                    e.kind.title().to_owned(),
                    e.with.clone(),
                    e.note.clone(),
                    e.by.clone(),
                ]
            })
            .collect(),
        highlight: None,
    };
    let or_none = |blocks: Vec<Block>, none: &str| {
        if blocks.is_empty() {
            vec![Block::Paragraph {
                text: none.to_owned(),
            }]
        } else {
            blocks
        }
    };
    let report = Report {
        title: format!("Evidence pack: {}", record.pupil.name()),
        subtitle: vec![
            access.school.name.clone(),
            crate::letters::pupil_line(&record.pupil),
            format!(
                "Prepared {} by {}",
                day_words(now.date()),
                access.user.actor().name
            ),
        ],
        sections: vec![
            Section {
                heading: "Attendance record".into(),
                blocks: vec![Block::Fields { pairs: attendance }, Block::Table(absences)],
            },
            Section {
                heading: "Meetings, plans, referrals and legal interventions".into(),
                blocks: or_none(case_file, "None recorded."),
            },
            Section {
                heading: "Letters sent".into(),
                blocks: or_none(letters, "None sent."),
            },
            Section {
                heading: "Chronology".into(),
                blocks: vec![Block::Table(chronology)],
            },
        ],
    };
    let pdf = letters::typeset(move || rollcall_letters::report_pdf(&report)).await?;
    Ok(pdf_response(
        pdf,
        &format!("evidence-{}.pdf", record.pupil.legal_surname.to_lowercase()),
    ))
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{school}/pupils/{pupil}/letters", post(print_letter))
        .route(
            "/s/{school}/pupils/{pupil}/evidence.pdf",
            get(evidence_pack),
        )
        .route("/s/{school}/letters", get(batch_page).post(print_batch))
        .route("/s/{school}/letters/{id}/pdf", get(reprint))
}
