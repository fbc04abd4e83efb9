//! Returns to the local authority for the office: which are due and overdue, with the rule that
//! asks for each; what a return holds, shown before it is sent; the CSV and the printed copy;
//! emailing it through the outbox, or recording that it went another way.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{Redirect, Response};
use axum::routing::get;
use jiff::civil::Date;
use rollcall_core::casework::ItemKey;
use rollcall_core::text::human_date;
use rollcall_core::{EntryKind, Opened, Permission, TextKind, check_text};
use rollcall_returns::content::{Table, content, to_csv, to_text};
use rollcall_returns::{Due, Key, Kind};
use rollcall_store::{Channel, NewMessage, NewReturn, ReturnBook, SchoolId, Sent};

use super::Chrome;
use super::form::FormData;
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;
use crate::letters::{csv_response, pdf_response, typeset};
use crate::requests::entry;

struct DueLine {
    key: String,
    title: &'static str,
    about: String,
    due: String,
    overdue: bool,
    why: String,
}

struct MadeLine {
    id: i64,
    title: &'static str,
    about: String,
    sent: String,
    by: String,
}

/// A school day's data for the DfE.
struct DailyLine {
    date: Date,
    day: String,
    status: String,
    ready: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "returns.html")]
struct ReturnsPage {
    chrome: Chrome,
    due: Vec<DueLine>,
    made: Vec<MadeLine>,
    la_email: Option<String>,
    daily: Vec<DailyLine>,
    /// Whether the school tells home schools of absences (an alternative provision).
    home_schools: bool,
}

/// The last five school days' data for the DfE, newest first.
async fn daily_lines(state: &AppState, access: &Access) -> Result<Vec<DailyLine>, AppError> {
    let calendar = &access.policy.calendar;
    let mut day = state.local_now().date();
    let mut lines = Vec::new();
    for _ in 0..31 {
        if lines.len() == 5 {
            break;
        }
        if calendar.is_school_day(day) {
            let held = state.store.daily_data(access.school.id, day).await?;
            let (status, ready) = match held {
                None => (
                    "Made once the afternoon register has closed".to_owned(),
                    false,
                ),
                Some(d) if d.complete => (
                    format!(
                        "Ready: every register taken ({} rows)",
                        d.content.lines().count().saturating_sub(1)
                    ),
                    true,
                ),
                Some(d) => (format!("Waiting for registers: {}", d.missing), false),
            };
            lines.push(DailyLine {
                date: day,
                day: human_date(&day),
                status,
                ready,
            });
        }
        day = match day.yesterday() {
            Ok(d) => d,
            Err(_) => break,
        };
    }
    Ok(lines)
}

/// A day's data for the DfE, once every register of the day has been taken.
async fn daily_csv(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, date)): Path<(i64, Date)>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::MakeReturns, "make the school's returns")?;
    let data = state
        .store
        .daily_data(access.school.id, date)
        .await?
        .ok_or(AppError::NotFound("day's data"))?;
    if !data.complete {
        return Err(AppError::Conflict(format!(
            "the day's registers are not all taken: {}",
            data.missing
        )));
    }
    Ok(csv_response(
        data.content,
        &format!("attendance-{date}.csv"),
    ))
}

/// The school's returns as the rules see them today.
async fn book(state: &AppState, access: &Access) -> Result<ReturnBook, AppError> {
    access.require(Permission::MakeReturns, "make the school's returns")?;
    Ok(ReturnBook::load(state.store.as_ref(), access.school.id).await?)
}

/// The returns due, oldest first, for the Today page: each with the rule that asks for it.
pub(super) struct TodayReturn {
    pub key: String,
    pub title: &'static str,
    pub about: String,
    pub due: String,
    pub overdue: bool,
    pub rule: &'static str,
}

pub(super) async fn for_today(
    state: &AppState,
    access: &Access,
) -> Result<Vec<TodayReturn>, AppError> {
    let book = book(state, access).await?;
    let view = book.school(
        &access.policy.calendar,
        &access.policy.procedures.statutory.returns,
    );
    let today = state.local_now().date();
    Ok(book
        .due(&view, today)
        .into_iter()
        .map(|d| TodayReturn {
            key: d.key.to_string(),
            title: d.key.kind.title(),
            about: about(&book, &d.key, d.period),
            due: human_date(&d.due),
            overdue: d.due < today,
            rule: d.key.kind.rule(),
        })
        .collect())
}

/// Whom or what a return is about.
fn about(book: &ReturnBook, key: &Key, period: Option<rollcall_core::DateRange>) -> String {
    match (key.upn, period) {
        (_, Some(p)) => format!("{} to {}", human_date(&p.first), human_date(&p.last)),
        (Some(upn), None) => book
            .pupil(&upn)
            .map(|r| r.pupil.name())
            .unwrap_or_else(|_| upn.to_string()),
        (None, None) => human_date(&key.on),
    }
}

async fn returns(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
) -> Result<ReturnsPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let book = book(&state, &access).await?;
    let settings = &access.policy.procedures.statutory.returns;
    let view = book.school(&access.policy.calendar, settings);
    let today = state.local_now().date();
    let due = book
        .due(&view, today)
        .into_iter()
        .map(|d| DueLine {
            key: d.key.to_string(),
            title: d.key.kind.title(),
            about: about(&book, &d.key, d.period),
            due: human_date(&d.due),
            overdue: d.due < today,
            why: d.why,
        })
        .collect();
    let made = book
        .made()
        .take(50)
        .map(|m| MadeLine {
            id: m.id,
            title: m.key.kind.title(),
            about: about(&book, &m.key, None),
            sent: format!(
                "{} to {} on {}",
                m.sent.title(),
                m.to,
                m.at.strftime("%a %-d %b %Y %H:%M")
            ),
            by: m.by.clone(),
        })
        .collect();
    let daily = daily_lines(&state, &access).await?;
    Ok(ReturnsPage {
        chrome: Chrome::new(&access, "returns"),
        daily,
        due,
        made,
        la_email: settings.la_email.clone(),
        home_schools: access.policy.procedures.home_school.is_some(),
    })
}

/// A return due, and what it holds; opening it is an opening of each pupil's records.
async fn find(
    state: &AppState,
    access: &Access,
    book: &ReturnBook,
    key: &str,
) -> Result<(Due, Table), AppError> {
    let key = Key::parse(key).ok_or(AppError::NotFound("return"))?;
    let settings = &access.policy.procedures.statutory.returns;
    let view = book.school(&access.policy.calendar, settings);
    let due = book
        .due(&view, state.local_now().date())
        .into_iter()
        .find(|d| d.key == key)
        .ok_or(AppError::NotFound("return"))?;
    for upn in &due.pupils {
        let record = book.pupil(upn)?;
        access
            .log_opening(
                state,
                record.key,
                Opened::PupilRecord,
                Some(&format!("return {key}")),
            )
            .await?;
    }
    let table = content(&view, &due);
    Ok((due, table))
}

#[derive(Template, WebTemplate)]
#[template(path = "return.html")]
struct ReturnPage {
    chrome: Chrome,
    key: String,
    table: Table,
    to: Option<String>,
    /// Each pupil's fields: (column, value), leaving out the empty ones.
    pupils: Vec<Vec<(&'static str, String)>>,
}

async fn one(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, key)): Path<(i64, String)>,
) -> Result<ReturnPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let book = book(&state, &access).await?;
    let (due, table) = find(&state, &access, &book, &key).await?;
    let settings = &access.policy.procedures.statutory.returns;
    let pupils = table
        .rows
        .iter()
        .map(|row| {
            table
                .columns
                .iter()
                .copied()
                .zip(row.iter().cloned())
                .filter(|(_, v)| !v.is_empty())
                .collect()
        })
        .collect();
    Ok(ReturnPage {
        chrome: Chrome::new(&access, "returns"),
        key,
        to: due.key.kind.address(settings).map(str::to_owned),
        pupils,
        table,
    })
}

fn file_name(key: &Key, extension: &str) -> String {
    format!("{}-{}.{extension}", key.kind.id(), key.on)
}

async fn csv(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, key)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let book = book(&state, &access).await?;
    let (due, table) = find(&state, &access, &book, &key).await?;
    let text = to_csv(&table).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(csv_response(text, &file_name(&due.key, "csv")))
}

async fn pdf(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, key)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    use rollcall_letters::{Block, Report, Section, report_pdf};
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let book = book(&state, &access).await?;
    let (due, table) = find(&state, &access, &book, &key).await?;
    let mut blocks = vec![Block::Paragraph {
        text: table.explanation.clone(),
    }];
    if table.rows.is_empty() {
        blocks.push(Block::Paragraph {
            text: "No pupils: a nil return.".into(),
        });
    }
    let mut sections = vec![Section {
        heading: table.title.clone(),
        blocks,
    }];
    for row in &table.rows {
        let pairs: Vec<(String, String)> = table
            .columns
            .iter()
            .zip(row)
            .filter(|(_, v)| !v.is_empty())
            .map(|(c, v)| ((*c).to_owned(), v.clone()))
            .collect();
        let heading = row.get(1..3).map(|n| n.join(", ")).unwrap_or_default();
        sections.push(Section {
            heading,
            blocks: vec![Block::Fields { pairs }],
        });
    }
    let report = Report {
        title: table.title.clone(),
        subtitle: vec![
            access.school.name.clone(),
            format!("Due by {}", human_date(&due.due)),
        ],
        sections,
    };
    let pdf = typeset(move || report_pdf(&report)).await?;
    Ok(pdf_response(pdf, &file_name(&due.key, "pdf")))
}

/// The worklist item a return completes for a pupil, when one asks for it: the sickness return,
/// or putting the pupil on the attendance return (met on the day their ten days were met).
fn completes(kind: Kind, due: Date, met: Option<&str>) -> Option<ItemKey> {
    let text = match kind {
        Kind::Sickness => format!("illness.sickness_return@{due}"),
        Kind::Cme => format!("statutory.continuous_absence@{due}"),
        Kind::Attendance => format!("statutory.continuous_absence@{}", met?),
        _ => return None,
    };
    ItemKey::parse(&text)
}

/// Makes a return: emailed through the outbox (one email for each pupil in it), or recorded as
/// sent another way. Either way, each pupil's chronology says so.
async fn make(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, key)): Path<(i64, String)>,
    crate::limits::Form(fields): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Redirect, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let book = book(&state, &access).await?;
    let (due, table) = find(&state, &access, &book, &key).await?;
    let f = FormData(fields);
    let settings = &access.policy.procedures.statutory.returns;
    let (sent, to) = match f.get("how") {
        "email" => {
            let to = due.key.kind.address(settings).ok_or_else(|| AppError::Invalid {
                field: "how",
                message: "The school's policy gives no address for this return: set la_email under [procedures.statutory], or send it another way".into(),
            })?;
            if table.rows.is_empty() {
                return Err(AppError::Invalid {
                    field: "how",
                    message: "A nil return names no pupil, so it goes another way: record how you sent it".into(),
                });
            }
            (Sent::Emailed, to.to_owned())
        }
        "by_hand" => {
            let how = f.required("to", "How it was sent")?;
            check_text(&how, TextKind::Line).map_err(|e| AppError::Invalid {
                field: "to",
                message: format!("How it was sent {e}"),
            })?;
            (Sent::ByHand, how)
        }
        _ => {
            return Err(AppError::BadRequest(
                "email the return or record how it was sent".into(),
            ));
        }
    };
    let actor = access.user.actor();
    let met = table.columns.iter().position(|c| *c == "Ten days met on");
    let mut entries = Vec::new();
    for (upn, row) in due.pupils.iter().zip(&table.rows) {
        let pupil = book.pupil(upn)?.key;
        let single = Table {
            rows: vec![row.clone()],
            ..table.clone()
        };
        let message = (sent == Sent::Emailed).then(|| NewMessage {
            pupil: Some(pupil),
            contact: None,
            channel: Channel::Email,
            recipient: to.clone(),
            subject: Some(format!("{} from {}", table.title, access.school.name)),
            body: to_text(&single),
            withheld: None,
        });
        let note = format!("{}: {} ({to})", table.title, sent.title().to_lowercase());
        let mut e = entry(
            pupil,
            EntryKind::Notification,
            "Local authority".into(),
            note,
            &actor,
            &state,
        );
        e.entry.item = completes(
            due.key.kind,
            due.due,
            met.and_then(|i| row.get(i)).map(String::as_str),
        );
        entries.push((message, e));
    }
    state
        .store
        .record_return(&NewReturn {
            school: access.school.id,
            key: due.key,
            due: due.due,
            sent,
            to,
            content: to_csv(&table).map_err(|e| AppError::Internal(e.to_string()))?,
            entries,
            by: actor.signature(),
            at: state.local_now().datetime(),
            recorded_at: state.clock.now(),
        })
        .await?;
    Ok(Redirect::to(&format!("/s/{school}/returns")))
}

/// A return as it was made: the CSV sent.
async fn made_csv(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(
        Permission::ViewReturnsMade,
        "see the returns the school has made",
    )?;
    let made = state
        .store
        .returns_made(access.school.id)
        .await?
        .into_iter()
        .find(|m| m.id == id)
        .ok_or(AppError::NotFound("return"))?;
    Ok(csv_response(made.content, &file_name(&made.key, "csv")))
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{school}/returns", get(returns))
        .route("/s/{school}/returns/made/{id}", get(made_csv))
        .route("/s/{school}/returns/daily/{date}", get(daily_csv))
        .route("/s/{school}/returns/due/{key}", get(one).post(make))
        .route("/s/{school}/returns/due/{key}/csv", get(csv))
        .route("/s/{school}/returns/due/{key}/pdf", get(pdf))
}
