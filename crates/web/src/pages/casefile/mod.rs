//! The case file on the pupil page: meetings, plans, part-time timetables, referrals and legal
//! interventions, with the letters sent; and the forms that add and update them. Printing
//! letters and the evidence pack are `letterbook.rs`'s.

use axum::Router;
use axum::routing::post;
use jiff::civil::Date;
use jiff::civil::DateTime;
use rollcall_core::Flag;
use rollcall_core::casefile::{
    CaseFileRecord, LegalRoute, MeetingKind, NextPenalty, Outcome, PenaltyNotice, PenaltyStatus,
    PlanKind, Record, ReferralTo, next_penalties, penalty_notices,
};
use rollcall_core::text::human_date;
use rollcall_letters::LetterKind;
use rollcall_store::{Casebook, ContactRecord, LetterRecord, PupilRecord};

mod forms;

use super::casework::DueLine;
use crate::AppState;
use crate::access::Access;
use crate::error::AppError;
use crate::letters::{self};
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
    pub printed: String,
    /// "Posted Thu 19 Nov 2026 by Lisa Craven, Attendance officer", once recorded.
    pub sent: Option<String>,
    /// Whether the person may still take the recording back.
    pub undo: bool,
    /// Why the last action on it was refused.
    pub error: Option<String>,
}

impl LetterLine {
    pub(crate) fn of(letter: &LetterRecord, access: &Access, now: DateTime) -> LetterLine {
        LetterLine {
            id: letter.id,
            subject: letter.subject.clone(),
            recipient: letter.recipient.clone(),
            printed: human_date(&letter.printed.date()),
            sent: letter
                .sent
                .as_ref()
                .map(|s| format!("{} {} by {}", s.how.title(), human_date(&s.at.date()), s.by)),
            undo: letter
                .sent
                .as_ref()
                .is_some_and(|s| letters::may_take_back(s, &access.user.actor().signature(), now)),
            error: None,
        }
    }
}

/// The case file part of the pupil page.
pub(crate) struct CaseFileView {
    pub records: Vec<RecordLine>,
    pub letters: Vec<LetterLine>,
    /// The parents with parental responsibility, as a form's choices.
    pub parent_choices: Vec<(String, String)>,
    /// The worklist items a record may complete, after "nothing".
    pub item_choices: Vec<(String, String)>,
    /// Whom a letter goes to: everyone flagged, or one contact.
    pub recipient_choices: Vec<(String, String)>,
    pub letter_kinds: Vec<(&'static str, &'static str)>,
    /// How a letter may be recorded as sent: (value, label).
    pub deliveries: Vec<(&'static str, &'static str)>,
    pub meeting_kinds: Vec<(&'static str, &'static str)>,
    pub plan_kinds: Vec<(&'static str, &'static str)>,
    pub referral_kinds: Vec<(&'static str, &'static str)>,
    pub legal_routes: Vec<(&'static str, &'static str)>,
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
    access: &Access,
    book: &Casebook,
    record: &PupilRecord,
    contacts: &[ContactRecord],
    due: &[DueLine],
) -> Result<CaseFileView, AppError> {
    let letters = state.store.letters(record.key).await?;
    let now = state.local_now().datetime();
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
            .map(|l| LetterLine::of(l, access, now))
            .collect(),
        parent_choices: contacts
            .iter()
            .filter(|c| c.contact.parental_responsibility)
            .map(|c| (c.contact.name.clone(), c.contact.name.clone()))
            .collect(),
        recipient_choices: std::iter::once((
            String::new(),
            "Everyone flagged for correspondence".to_owned(),
        ))
        .chain(
            letters::recipients(contacts)
                .into_iter()
                .map(|c| (c.id.0.to_string(), c.contact.name.clone())),
        )
        .collect(),
        deliveries: super::sending::deliveries(),
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
        item_choices: std::iter::once((String::new(), "Nothing on the worklist".to_owned()))
            .chain(due.iter().map(|d| (d.item.clone(), d.what.clone())))
            .collect(),
        penalty_note: penalty_note(book.case_file(record.key), today),
    })
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/s/{school}/pupils/{pupil}/case/{kind}",
            post(forms::add_record),
        )
        .route(
            "/s/{school}/pupils/{pupil}/case-file/{id}",
            post(forms::update_record),
        )
}
