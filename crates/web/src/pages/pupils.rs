//! Pupils: finding one, their year, and changing a mark.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::civil::Date;
use rollcall_core::{AcademicYear, Code, EntryKind, Opened, Permission, RiskScoring, Tally};
use rollcall_store::{
    Casebook, Channel, ContactRecord, PupilKey, PupilRecord, SchoolId, StoredMark,
};
use serde::Deserialize;

use super::casework::{DueLine, back_to, entry_kinds, flag_options};
use super::form::{Draft, FormData, Refused};
use super::{Chrome, YearSoFar};
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;
use crate::view::{CodeOption, MonthRow, band, codes_on, short_date, year_calendar};
use crate::work;

struct PupilRow {
    key: i64,
    name: String,
    group: String,
    year: String,
    upn: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pupils.html")]
struct PupilsPage {
    chrome: Chrome,
    q: String,
    pupils: Vec<PupilRow>,
}

#[derive(Deserialize)]
struct Search {
    #[serde(default)]
    q: String,
}

async fn pupils(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    Query(search): Query<Search>,
) -> Result<PupilsPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    if !access.permits(Permission::ViewAnyPupil) && !access.permits(Permission::ViewOwnPupils) {
        return Err(AppError::Forbidden(
            "Your role does not show pupils.".into(),
        ));
    }
    let wanted = search.q.trim().to_lowercase();
    let pupils = state
        .store
        .pupils(access.school.id)
        .await?
        .into_iter()
        .filter(|p| access.may_view(p))
        .filter(|p| {
            wanted.is_empty()
                || format!(
                    "{} {} {}",
                    p.pupil.known_as(),
                    p.pupil.legal_forename,
                    p.pupil.legal_surname
                )
                .to_lowercase()
                .contains(&wanted)
                || p.pupil.upn.as_str().eq_ignore_ascii_case(&wanted)
        })
        .map(|p| PupilRow {
            key: p.key.0,
            name: format!("{}, {}", p.pupil.legal_surname, p.pupil.known_as()),
            group: p.pupil.reg_group.clone(),
            year: p.pupil.year_group.to_string(),
            upn: p.pupil.upn.to_string(),
        })
        .collect();
    Ok(PupilsPage {
        chrome: Chrome::new(&access, "pupils"),
        q: search.q,
        pupils,
    })
}

struct ContactLine {
    id: i64,
    name: String,
    relationship: String,
    responsibility: bool,
    phones: Vec<String>,
    email: Option<String>,
    court_order: Option<String>,
    opted_out: bool,
    invitable: bool,
}

struct MessageLine {
    at: String,
    to: String,
    channel: &'static str,
    text: String,
    status: &'static str,
    status_id: &'static str,
    error: Option<String>,
}

struct LedgerLine {
    session: String,
    original: String,
    new: String,
    reason: String,
    at: String,
    by: String,
}

struct ChronologyLine {
    at: String,
    kind: &'static str,
    with: String,
    note: String,
    item: String,
    by: String,
}

struct FlagLine {
    id: i64,
    title: &'static str,
    spell: String,
    note: String,
    by: String,
    current: bool,
}

/// A pupil's casework, for those who work it.
struct Casework {
    standing: Vec<(&'static str, String)>,
    due: Vec<DueLine>,
    chronology: Vec<ChronologyLine>,
    flags: Vec<FlagLine>,
    entry_kinds: Vec<(&'static str, &'static str)>,
    /// The chronology form's kinds, with the rating and risk assessment where the school rates.
    entry_choices: Vec<(&'static str, &'static str)>,
    rating_choices: Vec<(&'static str, &'static str)>,
    flag_options: Vec<(&'static str, &'static str)>,
    rates: bool,
    file: super::casefile::CaseFileView,
}

/// A pupil's casework, from their marks of this academic year.
async fn casework(
    state: &AppState,
    access: &Access,
    record: &PupilRecord,
    marks: &[StoredMark],
    contacts: &[ContactRecord],
) -> Result<Casework, AppError> {
    let now = state.local_now().datetime();
    let policy = &access.policy;
    let book = Casebook::pupil(state.store.as_ref(), record.clone(), marks, now.date()).await?;
    let rates = policy.procedures.vulnerability.is_some();
    // Attendance itself is at the top of the page.
    let standing = book.standing(record.key, policy, now);
    let mut lines = Vec::new();
    if let Some(band) = standing.band {
        lines.push(("Band", band.name.clone()));
    }
    if let Some((stage, since)) = standing.stage {
        lines.push((
            "Stage",
            format!("{} since {}", stage.name, short_date(since)),
        ));
    }
    if let Some((rating, why)) = &standing.rating {
        lines.push(("Rating", format!("{} — {why}", rating.id().to_uppercase())));
    }
    let due: Vec<DueLine> = book
        .items(policy, now)
        .iter()
        .map(|d| DueLine::of(d, now, &book))
        .collect();
    let file = super::casefile::view(state, access, &book, record, contacts, &due).await?;
    let chronology = book
        .chronology(record.key)
        .iter()
        .rev()
        .map(|e| ChronologyLine {
            at: e.at.strftime("%a %-d %b %Y %H:%M").to_string(),
            kind: e.kind.title(),
            with: e.with.clone(),
            note: match e.kind {
                EntryKind::RatingOverride(rating) => {
                    format!("{}: {}", rating.id().to_uppercase(), e.note)
                }
                EntryKind::RiskAssessment {
                    likelihood,
                    frequency,
                } => format!(
                    "likelihood {likelihood} × frequency {frequency} = {}. {}",
                    RiskScoring::score(likelihood, frequency),
                    e.note
                ),
                _ => e.note.clone(),
            },
            item: e
                .item
                .as_ref()
                .map(|k| {
                    rollcall_core::worklist::rule_title(&access.policy.procedures, &k.rule)
                        .unwrap_or_else(|| k.rule.clone())
                })
                .unwrap_or_default(),
            by: e.by.clone(),
        })
        .collect();
    let today = now.date();
    let flags = book
        .circumstances(record.key)
        .iter()
        .map(|f| FlagLine {
            id: f.id,
            title: f.flag.title(),
            spell: match f.until {
                Some(until) => format!("{} to {}", short_date(f.from), short_date(until)),
                None => format!("since {}", short_date(f.from)),
            },
            current: f.until.is_none() && f.applies_on(today),
            note: f.note.clone(),
            by: f
                .ended_by
                .as_ref()
                .map_or(f.by.clone(), |e| format!("{}; ended by {e}", f.by)),
        })
        .collect();
    Ok(Casework {
        standing: lines,
        due,
        chronology,
        flags,
        entry_kinds: entry_kinds(),
        entry_choices: entry_kinds()
            .into_iter()
            .chain(
                [
                    ("rating", "Set the rating"),
                    ("risk_assessment", "Risk assessment"),
                ]
                .into_iter()
                .filter(|_| rates),
            )
            .collect(),
        rating_choices: vec![
            ("", ""),
            ("red", "Red"),
            ("amber", "Amber"),
            ("green", "Green"),
        ],
        flag_options: flag_options(),
        rates,
        file,
    })
}

#[derive(Deserialize)]
struct PupilQuery {
    invited: Option<String>,
}

/// A year at an earlier school.
struct EarlierYear {
    year: String,
    school: String,
    possible: u32,
    attendance: String,
    authorised: u32,
    unauthorised: u32,
}

fn earlier_year(y: rollcall_core::history::YearAttendance) -> EarlierYear {
    EarlierYear {
        year: y.year.to_string(),
        school: format!("{} ({})", y.school_name, y.school),
        possible: y.possible,
        attendance: crate::view::percent(y.tally().attendance_rate()),
        authorised: y.authorised,
        unauthorised: y.unauthorised,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pupil.html")]
struct PupilPage {
    chrome: Chrome,
    key: i64,
    /// Whether they may read who opened the record.
    audit: bool,
    name: String,
    group: String,
    year: String,
    upn: String,
    on_roll: bool,
    academic_year: String,
    tally: Tally,
    attendance: String,
    band: &'static str,
    flag: Option<String>,
    /// Where their attendance is heading, and the signs in their marks.
    signs: super::pupil_signs::PupilSigns,
    target: Option<String>,
    months: Vec<MonthRow>,
    /// Attendance at earlier schools, as their transfer files sent it.
    earlier: Vec<EarlierYear>,
    contacts: Vec<ContactLine>,
    may_keep_contacts: bool,
    invited: Option<String>,
    messages: Vec<MessageLine>,
    may_amend: bool,
    /// The change form's choices: (value, label).
    session_choices: Vec<(&'static str, &'static str)>,
    code_choices: Vec<(&'static str, String)>,
    reason_choices: Vec<(&'static str, &'static str)>,
    today: Date,
    ledger: Vec<LedgerLine>,
    casework: Option<Casework>,
    /// Where the casework forms return to.
    back: String,
    /// A form sent and refused, shown again as it was sent.
    refused: Refused,
}

async fn pupil(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, key)): Path<(i64, i64)>,
    Query(view): Query<PupilQuery>,
) -> Result<PupilPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    pupil_page(
        &state,
        &access,
        PupilKey(key),
        view.invited,
        Refused::default(),
    )
    .await
}

/// The pupil page again, with a form as it was sent and what is wrong with it.
pub(crate) async fn refused(
    state: &AppState,
    access: &Access,
    key: PupilKey,
    refused: Refused,
) -> Result<Response, AppError> {
    let page = pupil_page(state, access, key, None, refused).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn pupil_page(
    state: &AppState,
    access: &Access,
    key: PupilKey,
    invited: Option<String>,
    refused: Refused,
) -> Result<PupilPage, AppError> {
    let school = access.school.id.0;
    let record = access.pupil(state, key).await?;
    let today = state.local_now().date();
    let year = AcademicYear::of(today);
    let YearSoFar { marks, held, tally } = YearSoFar::load(state, record.key, today).await?;
    let attendance = tally.attendance_rate();
    let target = access.policy.attendance_target;
    let band = band(&tally, target);
    let flag = if tally.is_severe_absentee() {
        Some("Severely absent: absent for half or more of possible sessions.".to_owned())
    } else if tally.is_persistent_absentee() {
        Some("Persistently absent: absent for 10% or more of possible sessions.".to_owned())
    } else {
        None
    };
    let months = year_calendar(&access.policy.calendar, &held, year, today);
    let register = rollcall_store::one_pupil_register(&record.pupil, &marks)?;
    let signs = super::pupil_signs::pupil_signs(
        &register,
        &access.policy.calendar,
        record.pupil.known_as(),
        today,
    );
    let zone = state.config.time_zone.clone();
    let at = |t: jiff::Timestamp| crate::view::local_time(t, &zone);
    // Read once: the contacts section and the case file's letters both use them.
    let records =
        if access.permits(Permission::ViewOfficeLists) || access.permits(Permission::WorkCases) {
            state.store.contacts(record.key).await?
        } else {
            Vec::new()
        };
    let (contacts, messages) = if access.permits(Permission::ViewOfficeLists) {
        let invites = access.permits(Permission::InviteParents);
        let messages = state
            .store
            .pupil_messages(record.key)
            .await?
            .into_iter()
            .rev()
            .map(|m| MessageLine {
                at: at(m.queued_at),
                to: records
                    .iter()
                    .find(|c| Some(c.id) == m.message.contact)
                    .map_or(m.message.recipient.clone(), |c| {
                        format!("{} ({})", c.contact.name, m.message.recipient)
                    }),
                channel: match m.message.channel {
                    Channel::Sms => "Text",
                    Channel::Email => "Email",
                },
                text: m.message.subject.unwrap_or(m.message.body),
                status: m.status.title(),
                status_id: m.status.id(),
                error: m.error,
            })
            .collect();
        let contacts = records
            .iter()
            .map(|c| ContactLine {
                id: c.id.0,
                invitable: invites && c.contact.may_see_attendance() && c.contact.email.is_some(),
                name: c.contact.name.clone(),
                relationship: c.contact.relationship.clone(),
                responsibility: c.contact.parental_responsibility,
                phones: c.contact.phones.clone(),
                email: c.contact.email.clone(),
                court_order: c.contact.court_order.clone(),
                opted_out: c.contact.opted_out,
            })
            .collect();
        (contacts, messages)
    } else {
        (Vec::new(), Vec::new())
    };
    let ledger = state
        .store
        .ledger(record.key)
        .await?
        .into_iter()
        .rev()
        .map(|e| LedgerLine {
            session: format!("{} {}", short_date(e.key.date), e.key.session),
            original: e.original.map_or("(no mark)".to_owned(), |o| o.to_string()),
            new: e.new.to_string(),
            reason: e.reason,
            at: crate::view::local_time(e.at, &state.config.time_zone),
            by: format!("{}, {}", e.by_name, e.by_position),
        })
        .collect();
    let casework = if access.permits(Permission::WorkCases) {
        Some(casework(state, access, &record, &marks, &records).await?)
    } else {
        None
    };
    let opened = match casework {
        Some(_) => Opened::CaseFile,
        None => Opened::PupilRecord,
    };
    access.log_opening(state, record.key, opened, None).await?;
    let earlier = state
        .store
        .attendance_history(record.key)
        .await?
        .into_iter()
        .map(earlier_year)
        .collect();
    let PupilRecord { key, pupil, .. } = record;
    Ok(PupilPage {
        chrome: Chrome::new(access, "pupils"),
        key: key.0,
        audit: access.permits(Permission::ReadAccessLog),
        name: pupil.name(),
        group: pupil.reg_group.clone(),
        year: pupil.year_group.to_string(),
        upn: pupil.upn.to_string(),
        on_roll: pupil.on_roll(today),
        academic_year: year.to_string(),
        attendance: crate::view::percent(attendance),
        tally,
        band,
        flag,
        signs,
        target: target.map(|t| t.to_string()),
        months,
        earlier,
        contacts,
        may_keep_contacts: access.permits(Permission::KeepAdmissionRegister),
        invited,
        messages,
        may_amend: access.permits(Permission::AmendMarks),
        session_choices: vec![("am", "Morning"), ("pm", "Afternoon"), ("both", "Both")],
        reason_choices: std::iter::once(("", "Choose why…"))
            .chain(crate::view::change_reasons())
            .collect(),
        today,
        code_choices: codes_on(today)
            .into_iter()
            .map(CodeOption::of)
            .map(|o| (o.symbol, o.label))
            .collect(),
        ledger,
        casework,
        back: format!("/s/{school}/pupils/{}", key.0),
        refused,
    })
}

async fn change(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, key)): Path<(i64, i64)>,
    crate::limits::Form(fields): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let f = FormData(fields);
    let mut draft = Draft::of(f.0.clone());
    let date = draft.check("date", f.date("date", "The date"));
    let sessions = draft.check("session", work::Sessions::parse(f.get("session")));
    let code = draft.check(
        "code",
        Code::parse(f.get("code")).map_err(|e| AppError::BadRequest(e.to_string())),
    );
    let minutes_late = draft.check(
        "minutes_late",
        match f.get("minutes_late") {
            "" => Ok(None),
            _ => f.number("minutes_late", "Minutes late").map(Some),
        },
    );
    if let (Some(date), Some(sessions), Some(code), Some(minutes_late)) =
        (date, sessions, code, minutes_late)
    {
        let change = work::MarkChange {
            date,
            sessions,
            code,
            minutes_late,
            reason: f.get("reason").to_owned(),
            note: f.get("note").to_owned(),
            seen: None,
        };
        match work::amend(&state, &access, PupilKey(key), &change).await {
            Ok(()) => {
                let back = back_to(
                    school,
                    f.get("back").to_owned(),
                    format!("/s/{school}/pupils/{key}"),
                );
                return Ok(Redirect::to(&back).into_response());
            }
            Err(error) => draft.take(error, "reason")?,
        }
    }
    let refused = Refused {
        form: "change".into(),
        draft,
    };
    self::refused(&state, &access, PupilKey(key), refused).await
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{school}/pupils", get(pupils))
        .route("/s/{school}/pupils/{pupil}", get(pupil))
        .route("/s/{school}/pupils/{pupil}/marks", post(change))
}
