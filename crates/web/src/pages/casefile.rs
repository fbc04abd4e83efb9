//! The case file on the pupil page: meetings, plans, part-time timetables, referrals and legal
//! interventions, with the letters sent; and the forms that add and update them. Printing
//! letters and the evidence pack are `letterbook.rs`'s.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::routing::post;
use jiff::civil::{Date, Time};
use rollcall_core::casefile::{
    AgreedAction, CaseFileRecord, Closure, Intervention, LegalReferral, LegalRoute, Meeting,
    MeetingKind, NextPenalty, NoticeToImprove, Outcome, PartTime, PenaltyNotice, PenaltyStatus,
    Plan, PlanKind, Record, Referral, ReferralTo, WeeklySession, next_penalties, next_penalty,
    penalty_notices,
};
use rollcall_core::{Code, DateRange, Flag, Permission, Session, SessionKey, Slot};
use rollcall_letters::LetterKind;
use rollcall_store::{
    Casebook, ContactRecord, NewFileRecord, PlannedMark, PupilKey, PupilRecord, SchoolId,
};

use super::casework::DueLine;
use super::form::FormData;
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;
use crate::letters::{self};
use crate::requests::entry;
use crate::view::full_date;

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
pub(super) fn line(r: &CaseFileRecord, ehcp: bool) -> RecordLine {
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

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{school}/pupils/{pupil}/case/{kind}", post(add_record))
        .route(
            "/s/{school}/pupils/{pupil}/case-file/{id}",
            post(update_record),
        )
}
