//! The case file on the pupil page: meetings, plans, part-time timetables, referrals, legal
//! interventions and letters; the forms that add and update them; printing letters one at a
//! time or as a batch from the worklist; and the evidence pack for a referral to the LA.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use jiff::civil::{Date, Time};
use rollcall_core::casefile::{
    AgreedAction, CaseFileRecord, Closure, Intervention, LegalReferral, LegalRoute, Meeting,
    MeetingKind, NextPenalty, NoticeToImprove, Outcome, PartTime, PenaltyNotice, PenaltyStatus,
    Plan, PlanKind, Record, Referral, ReferralTo, WeeklySession, next_penalties, next_penalty,
    penalty_notices,
};
use rollcall_core::casework::ItemKey;
use rollcall_core::{Code, DateRange, Flag, Opened, Permission, Session, SessionKey, Slot};
use rollcall_letters::{Block, LetterKind, Report, Section, Table};
use rollcall_store::{
    Casebook, ContactRecord, NewFileRecord, PlannedMark, PupilKey, PupilRecord, SchoolId,
};

use super::casework::DueLine;
use super::{Chrome, YearSoFar};
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;
use crate::letters::{self, Extra, Printed, PupilFigures, day_words, pdf_response};
use crate::requests::entry;
use crate::view::full_date;

/// A form's fields as sent, read with errors that name the field.
struct FormData(Vec<(String, String)>);

impl FormData {
    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.trim())
    }

    fn required(&self, name: &str, label: &str) -> Result<String, AppError> {
        match self.get(name) {
            "" => Err(AppError::BadRequest(format!("{label} is required"))),
            v => Ok(v.to_owned()),
        }
    }

    fn date(&self, name: &str, label: &str) -> Result<Date, AppError> {
        let text = self.required(name, label)?;
        text.parse().map_err(|_| {
            AppError::BadRequest(format!("{label}: {text:?} is not a date (YYYY-MM-DD)"))
        })
    }

    fn optional_date(&self, name: &str, label: &str) -> Result<Option<Date>, AppError> {
        match self.get(name) {
            "" => Ok(None),
            _ => self.date(name, label).map(Some),
        }
    }

    fn number<T: std::str::FromStr>(&self, name: &str, label: &str) -> Result<T, AppError> {
        let text = self.required(name, label)?;
        text.parse()
            .map_err(|_| AppError::BadRequest(format!("{label}: {text:?} is not a number")))
    }

    /// Dates written one to a line or separated by commas.
    fn dates(&self, name: &str, label: &str) -> Result<Vec<Date>, AppError> {
        self.get(name)
            .split([',', '\n'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .enumerate()
            .map(|(i, t)| {
                t.parse().map_err(|_| {
                    AppError::BadRequest(format!(
                        "{label}, line {}: {t:?} is not a date (YYYY-MM-DD)",
                        i + 1
                    ))
                })
            })
            .collect()
    }

    /// Non-empty lines.
    fn lines(&self, name: &str) -> Vec<String> {
        self.get(name)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Lines of `a | b | c`, each with exactly `n` parts.
    fn rows(&self, name: &str, label: &str, n: usize) -> Result<Vec<Vec<String>>, AppError> {
        self.lines(name)
            .into_iter()
            .enumerate()
            .map(|(i, line)| {
                let parts: Vec<String> = line.split('|').map(|p| p.trim().to_owned()).collect();
                if parts.len() == n && parts.iter().all(|p| !p.is_empty()) {
                    Ok(parts)
                } else {
                    Err(AppError::BadRequest(format!(
                        "{label}, line {}: write {n} parts separated by |",
                        i + 1
                    )))
                }
            })
            .collect()
    }

    fn item(&self) -> Result<Option<ItemKey>, AppError> {
        match self.get("item") {
            "" => Ok(None),
            text => ItemKey::parse(text)
                .map(Some)
                .ok_or_else(|| AppError::BadRequest(format!("{text:?} is not a worklist item"))),
        }
    }
}

/// A record as the case file lists it.
pub(crate) struct RecordLine {
    pub id: i64,
    pub kind: &'static str,
    pub title: String,
    pub details: Vec<(String, String)>,
    pub by: String,
    pub updates: Vec<Update>,
}

/// An update a record can take: (action, label).
type Update = (&'static str, &'static str);

/// A letter as the case file lists it.
pub(crate) struct LetterLine {
    pub id: i64,
    pub subject: String,
    pub recipient: String,
    pub sent: String,
}

/// The case file part of the pupil page.
pub(crate) struct CaseFileView {
    pub records: Vec<RecordLine>,
    pub letters: Vec<LetterLine>,
    pub parents: Vec<String>,
    pub recipients: Vec<(i64, String)>,
    pub letter_kinds: Vec<(&'static str, &'static str)>,
    pub meeting_kinds: Vec<(&'static str, &'static str)>,
    pub plan_kinds: Vec<(&'static str, &'static str)>,
    pub referral_kinds: Vec<(&'static str, &'static str)>,
    pub legal_routes: Vec<(&'static str, &'static str)>,
    /// The due items a form may complete: (key, what).
    pub items: Vec<(String, String)>,
    /// What the next penalty notice would be, for each parent who has had one.
    pub penalty_note: Vec<String>,
}

fn list(items: &[String]) -> String {
    items.join(", ")
}

fn outcome(o: &Option<Outcome>) -> String {
    o.as_ref().map_or_else(
        || "awaited".to_owned(),
        |o| format!("{} ({})", o.text, full_date(o.on)),
    )
}

/// A record as listed; `ehcp`: the pupil has one, so a part-time timetable is discussed with
/// the LA (seed 001 §9).
fn line(r: &CaseFileRecord, ehcp: bool) -> RecordLine {
    let pair = |k: &str, v: String| (k.to_owned(), v);
    let (details, updates): (Vec<(String, String)>, Vec<Update>) = match &r.record {
        Record::Meeting(m) => (
            vec![
                pair("Held", m.held.strftime("%-d %b %Y %H:%M").to_string()),
                pair("Present", list(&m.attendees)),
                pair("Apologies", list(&m.apologies)),
                pair("Barriers: school", m.barriers_school.clone()),
                pair("Barriers: parent", m.barriers_parent.clone()),
                pair("Barriers: child", m.barriers_child.clone()),
                pair(
                    "Actions",
                    m.actions
                        .iter()
                        .map(|a| format!("{} ({}, by {})", a.what, a.owner, full_date(a.by)))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                pair(
                    "Next review",
                    m.next_review.map(full_date).unwrap_or_default(),
                ),
            ],
            vec![],
        ),
        Record::Plan(p) => (
            vec![
                pair("Starts", full_date(p.starts)),
                pair(
                    "Target",
                    format!("{}%; {}", p.target_percent, p.target_per_week),
                ),
                pair(
                    "Timescale",
                    format!("{} months, to {}", p.months, full_date(p.ends())),
                ),
                pair(
                    "Reviews",
                    p.reviews
                        .iter()
                        .map(|d| full_date(*d))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                pair("Barriers: school", p.barriers_school.clone()),
                pair("Barriers: parent", p.barriers_parent.clone()),
                pair("Barriers: child", p.barriers_child.clone()),
                pair(
                    "Support",
                    p.interventions
                        .iter()
                        .map(|i| format!("{}: {}", i.what, i.detail))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                pair(
                    "Closed",
                    p.closed
                        .as_ref()
                        .map(|c| format!("{}: {}", full_date(c.on), c.reason))
                        .unwrap_or_else(|| "open".into()),
                ),
            ],
            if p.closed.is_none() {
                vec![("close", "Close the plan")]
            } else {
                vec![]
            },
        ),
        Record::PartTime(t) => (
            vec![
                pair("Agreed with", t.agreed_with.clone()),
                pair(
                    "Dates",
                    format!("{} to {}", full_date(t.starts), full_date(t.ends)),
                ),
                pair(
                    "Not in school (C2)",
                    t.off
                        .iter()
                        .map(|s| s.title())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                pair(
                    "Reviews",
                    t.reviews
                        .iter()
                        .map(|d| full_date(*d))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                pair(
                    "LA informed",
                    match (ehcp, t.la_informed) {
                        (false, _) => "not needed (no EHCP)".into(),
                        (true, Some(d)) => full_date(d),
                        (true, None) => "not yet: the pupil has an EHCP".into(),
                    },
                ),
            ],
            if ehcp && t.la_informed.is_none() {
                vec![("la_informed", "LA informed")]
            } else {
                vec![]
            },
        ),
        Record::Referral(f) => (
            vec![
                pair("Made", full_date(f.made)),
                pair("Why", f.reason.clone()),
                pair("Outcome", outcome(&f.outcome)),
            ],
            if f.outcome.is_none() {
                vec![("outcome", "Record the outcome")]
            } else {
                vec![]
            },
        ),
        Record::NoticeToImprove(n) => (
            vec![
                pair("Issued", full_date(n.issued)),
                pair(
                    "Improvement period",
                    format!("{} weeks, to {}", n.weeks, full_date(n.ends())),
                ),
                pair("Support given", n.support_given.clone()),
                pair("Support available", n.support_available.clone()),
                pair("Sufficient improvement", n.sufficient_improvement.clone()),
                pair("Result", outcome(&n.result)),
            ],
            if n.result.is_none() {
                vec![("outcome", "Record the result")]
            } else {
                vec![]
            },
        ),
        Record::PenaltyNotice(n) => (
            vec![
                pair("Issued", full_date(n.issued)),
                pair(
                    "Sessions",
                    format!(
                        "{} {} to {} {}",
                        full_date(n.first.date),
                        n.first.session,
                        full_date(n.last.date),
                        n.last.session
                    ),
                ),
                pair(
                    "Status",
                    match &n.status {
                        PenaltyStatus::Issued => "issued, not yet paid".into(),
                        PenaltyStatus::Paid { on } => format!("paid {}", full_date(*on)),
                        PenaltyStatus::Withdrawn { on, reason } => {
                            format!("withdrawn {}: {reason} (does not count)", full_date(*on))
                        }
                        PenaltyStatus::Unpaid => "unpaid after 28 days".into(),
                    },
                ),
            ],
            if n.status == PenaltyStatus::Issued {
                vec![
                    ("paid", "Paid"),
                    ("unpaid", "Unpaid after 28 days"),
                    ("withdrawn", "Withdrawn"),
                ]
            } else {
                vec![]
            },
        ),
        Record::LegalReferral(l) => (
            vec![
                pair("Parent", l.parent.clone()),
                pair("Made", full_date(l.made)),
                pair("Outcome", outcome(&l.outcome)),
            ],
            if l.outcome.is_none() {
                vec![("outcome", "Record the outcome")]
            } else {
                vec![]
            },
        ),
    };
    RecordLine {
        id: r.id,
        kind: r.record.kind(),
        title: r.record.title(),
        details: details.into_iter().filter(|(_, v)| !v.is_empty()).collect(),
        by: format!("{}, {}", r.by, full_date(r.at.date())),
        updates,
    }
}

fn penalty_note(records: &[CaseFileRecord], today: Date) -> Vec<String> {
    let notices: Vec<&PenaltyNotice> = penalty_notices(records).collect();
    next_penalties(&notices, today)
        .into_iter()
        .map(|(parent, next)| match next {
            NextPenalty::First => format!("{parent}: a further notice would be a first (£80 within 21 days, £160 within 28)"),
            NextPenalty::Second { first } => format!("{parent}: a further notice would be a second within three years of {} (£160, no reduction)", full_date(first)),
            NextPenalty::None { until, .. } => format!("{parent}: no further penalty notice may be issued before {}; the route is prosecution or an education supervision order", full_date(until)),
        })
        .collect()
}

/// The case file for the pupil page.
pub(crate) async fn view(
    state: &AppState,
    book: &Casebook,
    record: &PupilRecord,
    contacts: &[ContactRecord],
    due: &[DueLine],
) -> Result<CaseFileView, AppError> {
    let letters = state.store.letters(record.key).await?;
    let ehcp = book.has_flag(record, Flag::Ehcp);
    let today = state.local_now().date();
    Ok(CaseFileView {
        records: book
            .case_file(record.key)
            .iter()
            .rev()
            .map(|r| line(r, ehcp))
            .collect(),
        letters: letters
            .iter()
            .rev()
            .map(|l| LetterLine {
                id: l.id,
                subject: l.subject.clone(),
                recipient: l.recipient.clone(),
                sent: full_date(l.sent.date()),
            })
            .collect(),
        parents: contacts
            .iter()
            .filter(|c| c.contact.parental_responsibility)
            .map(|c| c.contact.name.clone())
            .collect(),
        recipients: letters::recipients(contacts)
            .into_iter()
            .map(|c| (c.id.0, c.contact.name.clone()))
            .collect(),
        letter_kinds: LetterKind::ALL
            .into_iter()
            .map(|k| (k.id(), k.title()))
            .collect(),
        meeting_kinds: MeetingKind::ALL
            .into_iter()
            .map(|k| (k.id(), k.title()))
            .collect(),
        plan_kinds: PlanKind::ALL
            .into_iter()
            .map(|k| (k.id(), k.title()))
            .collect(),
        referral_kinds: ReferralTo::ALL
            .into_iter()
            .map(|k| (k.id(), k.title()))
            .collect(),
        legal_routes: LegalRoute::ALL
            .into_iter()
            .map(|k| (k.id(), k.title()))
            .collect(),
        items: due
            .iter()
            .map(|d| (d.item.clone(), d.what.clone()))
            .collect(),
        penalty_note: penalty_note(book.case_file(record.key), today),
    })
}

fn meeting(f: &FormData) -> Result<Record, AppError> {
    let kind = MeetingKind::parse(f.get("meeting_kind"))
        .ok_or_else(|| AppError::BadRequest("choose the kind of meeting".into()))?;
    let day = f.date("held_on", "The meeting's date")?;
    let time: Time = f
        .get("held_at")
        .parse()
        .map_err(|_| AppError::BadRequest("The meeting's time: write it as HH:MM".into()))?;
    let actions = f
        .rows("actions", "Agreed actions", 3)?
        .into_iter()
        .enumerate()
        .map(|(i, parts)| {
            let [what, owner, by]: [String; 3] = parts.try_into().map_err(|_| {
                AppError::BadRequest(format!("Agreed actions, line {}: three parts", i + 1))
            })?;
            let by = by.parse().map_err(|_| {
                AppError::BadRequest(format!(
                    "Agreed actions, line {}: {by:?} is not a date (YYYY-MM-DD)",
                    i + 1
                ))
            })?;
            Ok(AgreedAction { what, owner, by })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(Record::Meeting(Meeting {
        kind,
        held: day.to_datetime(time),
        attendees: f.lines("attendees"),
        apologies: f.lines("apologies"),
        barriers_school: f.get("barriers_school").to_owned(),
        barriers_parent: f.get("barriers_parent").to_owned(),
        barriers_child: f.get("barriers_child").to_owned(),
        actions,
        next_review: f.optional_date("next_review", "The next review")?,
    }))
}

fn plan(f: &FormData) -> Result<Record, AppError> {
    let kind = PlanKind::parse(f.get("plan_kind"))
        .ok_or_else(|| AppError::BadRequest("choose a support plan or a contract".into()))?;
    Ok(Record::Plan(Plan {
        kind,
        starts: f.date("starts", "The start date")?,
        target_percent: f.number("target_percent", "The attendance target")?,
        target_per_week: f.required("target_per_week", "The target each week")?,
        months: f.number("months", "The timescale in months")?,
        reviews: f.dates("reviews", "Review dates")?,
        barriers_school: f.get("barriers_school").to_owned(),
        barriers_parent: f.get("barriers_parent").to_owned(),
        barriers_child: f.get("barriers_child").to_owned(),
        interventions: f
            .rows("interventions", "Support offered", 2)?
            .into_iter()
            .map(|mut p| Intervention {
                detail: p.pop().unwrap_or_default(),
                what: p.pop().unwrap_or_default(),
            })
            .collect(),
        closed: None,
    }))
}

fn part_time(f: &FormData) -> Result<Record, AppError> {
    let off = f
        .all("off")
        .map(|v| {
            let (day, session) = v.split_once('-').unwrap_or((v, ""));
            Ok(WeeklySession {
                weekday: day
                    .parse()
                    .map_err(|_| AppError::BadRequest(format!("{v:?} is not a weekly session")))?,
                session: Session::parse(session)
                    .map_err(|e| AppError::BadRequest(e.to_string()))?,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(Record::PartTime(PartTime {
        agreed_with: f.required("agreed_with", "The parent it was agreed with")?,
        starts: f.date("starts", "The first day")?,
        ends: f.date("ends", "The last day")?,
        off,
        reviews: f.dates("reviews", "Review dates")?,
        la_informed: None,
    }))
}

fn referral(f: &FormData) -> Result<Record, AppError> {
    Ok(Record::Referral(Referral {
        to: ReferralTo::parse(f.get("to"))
            .ok_or_else(|| AppError::BadRequest("choose whom the referral is to".into()))?,
        made: f.date("made", "The referral's date")?,
        reason: f.required("reason", "The reason")?,
        outcome: None,
    }))
}

fn notice_to_improve(f: &FormData) -> Result<Record, AppError> {
    Ok(Record::NoticeToImprove(NoticeToImprove {
        parent: f.required("parent", "The parent")?,
        issued: f.date("issued", "The date issued")?,
        weeks: f.number("weeks", "The improvement period")?,
        support_given: f.get("support_given").to_owned(),
        support_available: f.get("support_available").to_owned(),
        sufficient_improvement: f.get("sufficient_improvement").to_owned(),
        result: None,
    }))
}

fn penalty_notice(f: &FormData, records: &[CaseFileRecord]) -> Result<Record, AppError> {
    let parent = f.required("parent", "The parent")?;
    let issued = f.date("issued", "The date issued")?;
    let notices = penalty_notices(records).filter(|n| n.parent == parent);
    // National Framework for Penalty Notices 2024: no third within three years of the first.
    if let NextPenalty::None { first, until } = next_penalty(notices, issued) {
        return Err(AppError::BadRequest(format!(
            "{parent} has had two penalty notices for this child since {}: no third may be issued before {}. Refer for prosecution or an education supervision order instead.",
            full_date(first),
            full_date(until)
        )));
    }
    let first = f.date("first", "The first day covered")?;
    let last = f.date("last", "The last day covered")?;
    Ok(Record::PenaltyNotice(PenaltyNotice {
        parent,
        issued,
        first: SessionKey {
            date: first,
            session: Session::Am,
        },
        last: SessionKey {
            date: last,
            session: Session::Pm,
        },
        status: PenaltyStatus::Issued,
    }))
}

fn legal_referral(f: &FormData) -> Result<Record, AppError> {
    Ok(Record::LegalReferral(LegalReferral {
        route: LegalRoute::parse(f.get("route"))
            .ok_or_else(|| AppError::BadRequest("choose the route".into()))?,
        parent: f.required("parent", "The parent")?,
        made: f.date("made", "The referral's date")?,
        outcome: None,
    }))
}

/// The `C2` marks a part-time timetable enters, from today (or its start) to its end.
fn c2_marks(access: &Access, pupil: PupilKey, t: &PartTime, today: Date) -> Vec<PlannedMark> {
    let calendar = &access.policy.calendar;
    calendar
        .school_sessions(DateRange {
            first: t.starts.max(today),
            last: t.ends,
        })
        .filter(|&slot: &Slot| t.off_at(slot))
        .map(|slot| PlannedMark {
            pupil,
            key: slot.key(),
            code: Code::PartTimeTimetable,
            comment: Some(format!("Part-time timetable agreed with {}", t.agreed_with)),
        })
        .collect()
}

async fn add_record(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil, kind)): Path<(i64, i64, String)>,
    crate::limits::Form(form): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Redirect, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::WorkCases, "keep case files")?;
    let record = access.pupil(&state, PupilKey(pupil)).await?;
    let f = FormData(form);
    let filed = state.store.case_file(record.key).await?;
    let new = match kind.as_str() {
        "meeting" => meeting(&f)?,
        "plan" => plan(&f)?,
        "part_time" => part_time(&f)?,
        "referral" => referral(&f)?,
        "notice_to_improve" => notice_to_improve(&f)?,
        "penalty_notice" => penalty_notice(&f, &filed)?,
        "legal_referral" => legal_referral(&f)?,
        other => {
            return Err(AppError::BadRequest(format!(
                "{other:?} is not a kind of case-file record"
            )));
        }
    };
    new.validate()
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let today = state.local_now().date();
    let marks = match &new {
        Record::PartTime(t) => c2_marks(&access, record.key, t, today),
        _ => Vec::new(),
    };
    let note = match f.get("note") {
        "" => new.title(),
        note => format!("{}: {note}", new.title()),
    };
    let mut entry = entry(
        record.key,
        new.entry_kind(),
        String::new(),
        note,
        &access.user.actor(),
        &state,
    );
    entry.entry.item = f.item()?;
    state
        .store
        .file_record(&NewFileRecord {
            record: new,
            entry,
            marks,
        })
        .await?;
    Ok(Redirect::to(&format!(
        "/s/{school}/pupils/{pupil}#case-file"
    )))
}

async fn update_record(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil, id)): Path<(i64, i64, i64)>,
    crate::limits::Form(form): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Redirect, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::WorkCases, "keep case files")?;
    let pupil_record = access.pupil(&state, PupilKey(pupil)).await?;
    let filed = state.store.filed_record(SchoolId(school), id).await?;
    if filed.pupil != pupil_record.key {
        return Err(AppError::NotFound("case-file record"));
    }
    let f = FormData(form);
    let on = f.date("on", "The date")?;
    let action = f.get("action");
    let mut record = filed.record.record.clone();
    let said = match (&mut record, action) {
        (Record::Plan(p), "close") => {
            let reason = f.required("text", "The reason for closing")?;
            p.closed = Some(Closure {
                on,
                reason: reason.clone(),
            });
            format!("Closed: {reason}")
        }
        (Record::PartTime(t), "la_informed") => {
            t.la_informed = Some(on);
            "The local authority was told".to_owned()
        }
        (Record::Referral(Referral { outcome, .. }), "outcome")
        | (Record::LegalReferral(LegalReferral { outcome, .. }), "outcome")
        | (
            Record::NoticeToImprove(NoticeToImprove {
                result: outcome, ..
            }),
            "outcome",
        ) => {
            let text = f.required("text", "The outcome")?;
            *outcome = Some(Outcome {
                on,
                text: text.clone(),
            });
            format!("Outcome: {text}")
        }
        (Record::PenaltyNotice(n), "paid") => {
            n.status = PenaltyStatus::Paid { on };
            format!("Paid on {}", full_date(on))
        }
        (Record::PenaltyNotice(n), "unpaid") => {
            n.status = PenaltyStatus::Unpaid;
            "Unpaid after 28 days: for the LA to consider prosecution".to_owned()
        }
        (Record::PenaltyNotice(n), "withdrawn") => {
            let reason = f.required("text", "The reason for withdrawing")?;
            n.status = PenaltyStatus::Withdrawn {
                on,
                reason: reason.clone(),
            };
            format!("Withdrawn: {reason}")
        }
        _ => {
            return Err(AppError::BadRequest(format!(
                "{action:?} does not apply to this record"
            )));
        }
    };
    let note = format!("{}: {said}", record.title());
    let entry = entry(
        pupil_record.key,
        record.entry_kind(),
        String::new(),
        note,
        &access.user.actor(),
        &state,
    );
    state
        .store
        .update_record(SchoolId(school), id, &record, &entry)
        .await?;
    Ok(Redirect::to(&format!(
        "/s/{school}/pupils/{pupil}#case-file"
    )))
}

fn extra(f: &FormData) -> Result<Extra, AppError> {
    Ok(Extra {
        meeting_date: f.optional_date("meeting_date", "The meeting's date")?,
        meeting_time: f.get("meeting_time").to_owned(),
        period: f.get("period").to_owned(),
    })
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
    access.require(Permission::WorkCases, "send letters")?;
    let record = access.pupil(&state, PupilKey(pupil)).await?;
    let f = FormData(form);
    let kind = LetterKind::parse(f.get("template"))
        .ok_or_else(|| AppError::BadRequest("choose a letter".into()))?;
    let library = letters::library(&state, SchoolId(school)).await?;
    let today = state.local_now().date();
    let figures = PupilFigures::load(&state, kind, &record, today).await?;
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
    let extra = extra(&f)?;
    let item = f.item()?;
    let printed = chosen
        .into_iter()
        .map(|c| {
            Ok(Printed {
                letter: letters::compose(&access, &library, kind, &record, &figures, c, &extra)?,
                pupil: record.clone(),
                recipient: c.contact.name.clone(),
                kind,
                item: item.clone(),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
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

#[derive(Template, WebTemplate)]
#[template(path = "letters.html")]
struct BatchPage {
    chrome: Chrome,
    groups: Vec<BatchGroup>,
    others: Vec<BatchLine>,
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
    Ok(BatchPage {
        chrome: Chrome::new(&access, "letters"),
        groups,
        others,
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
    let letters: Vec<Block> = state
        .store
        .letters(record.key)
        .await?
        .iter()
        .map(|l| {
            serde_json::from_str(&l.content)
                .map(|c| Block::Letter(Box::new(c)))
                .map_err(|e| AppError::Internal(format!("letter {}: {e}", l.id)))
        })
        .collect::<Result<_, _>>()?;
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
            format!(
                "{}, {}, UPN {}",
                record.pupil.reg_group, record.pupil.year_group, record.pupil.upn
            ),
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
        .route("/s/{school}/pupils/{pupil}/case/{kind}", post(add_record))
        .route(
            "/s/{school}/pupils/{pupil}/case-file/{id}",
            post(update_record),
        )
        .route("/s/{school}/pupils/{pupil}/letters", post(print_letter))
        .route(
            "/s/{school}/pupils/{pupil}/evidence.pdf",
            get(evidence_pack),
        )
        .route("/s/{school}/letters", get(batch_page).post(print_batch))
        .route("/s/{school}/letters/{id}/pdf", get(reprint))
}
