//! The case file's forms: each read into a record with every field checked, what is wrong
//! shown beside its field on the pupil page, and nothing typed lost.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::{Date, Time};
use rollcall_core::casefile::{
    CaseFileRecord, Closure, Intervention, LegalReferral, LegalRoute, Meeting, MeetingKind,
    NextPenalty, NoticeToImprove, Outcome, PartTime, PenaltyNotice, PenaltyStatus, Plan, PlanKind,
    Record, Referral, ReferralTo, WeeklySession, next_penalty, penalty_notices,
};
use rollcall_core::{Code, DateRange, Permission, Session, SessionKey, Slot};
use rollcall_store::{NewFileRecord, PlannedMark, PupilKey, SchoolId};

use super::super::form::{Draft, FormData, Refused};
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;
use crate::requests::entry;
use crate::view::full_date;

/// A choice from a list, or the sentence to show beside it.
fn choice<T>(found: Option<T>, what: &str) -> Result<T, AppError> {
    found.ok_or_else(|| AppError::BadRequest(format!("choose {what}")))
}

fn meeting(f: &FormData, d: &mut Draft) -> Option<Record> {
    let kind = d.check(
        "meeting_kind",
        choice(
            MeetingKind::parse(f.get("meeting_kind")),
            "the kind of meeting",
        ),
    );
    let day = d.check("held_on", f.date("held_on", "The meeting's date"));
    let time: Option<Time> = d.check("held_at", f.time("held_at", "The meeting's time"));
    let actions = d.check("actions", f.agreed_actions("actions", "Agreed actions"));
    let next_review = d.check(
        "next_review",
        f.optional_date("next_review", "The next review"),
    );
    Some(Record::Meeting(Meeting {
        kind: kind?,
        held: day?.to_datetime(time?),
        attendees: f.lines("attendees"),
        apologies: f.lines("apologies"),
        barriers_school: f.get("barriers_school").to_owned(),
        barriers_parent: f.get("barriers_parent").to_owned(),
        barriers_child: f.get("barriers_child").to_owned(),
        actions: actions?,
        next_review: next_review?,
    }))
}

fn plan(f: &FormData, d: &mut Draft) -> Option<Record> {
    let kind = d.check(
        "plan_kind",
        choice(
            PlanKind::parse(f.get("plan_kind")),
            "a support plan or a contract",
        ),
    );
    let starts = d.check("starts", f.date("starts", "The start date"));
    let target_percent = d.check(
        "target_percent",
        f.number("target_percent", "The attendance target"),
    );
    let target_per_week = d.check(
        "target_per_week",
        f.required("target_per_week", "The target each week"),
    );
    let months = d.check("months", f.number("months", "The timescale in months"));
    let reviews = d.check("reviews", f.dates("reviews", "Review dates"));
    let interventions = d.check(
        "interventions",
        f.rows("interventions", "Support offered", 2),
    );
    Some(Record::Plan(Plan {
        kind: kind?,
        starts: starts?,
        target_percent: target_percent?,
        target_per_week: target_per_week?,
        months: months?,
        reviews: reviews?,
        barriers_school: f.get("barriers_school").to_owned(),
        barriers_parent: f.get("barriers_parent").to_owned(),
        barriers_child: f.get("barriers_child").to_owned(),
        interventions: interventions?
            .into_iter()
            .map(|mut p| Intervention {
                detail: p.pop().unwrap_or_default(),
                what: p.pop().unwrap_or_default(),
            })
            .collect(),
        closed: None,
    }))
}

fn part_time(f: &FormData, d: &mut Draft) -> Option<Record> {
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
        .collect::<Result<Vec<_>, AppError>>();
    let off = d.check("off", off);
    let agreed_with = d.check(
        "agreed_with",
        f.required("agreed_with", "The parent it was agreed with"),
    );
    let starts = d.check("starts", f.date("starts", "The first day"));
    let ends = d.check("ends", f.date("ends", "The last day"));
    let reviews = d.check("reviews", f.dates("reviews", "Review dates"));
    Some(Record::PartTime(PartTime {
        agreed_with: agreed_with?,
        starts: starts?,
        ends: ends?,
        off: off?,
        reviews: reviews?,
        la_informed: None,
    }))
}

fn referral(f: &FormData, d: &mut Draft) -> Option<Record> {
    let to = d.check(
        "to",
        choice(ReferralTo::parse(f.get("to")), "whom the referral is to"),
    );
    let made = d.check("made", f.date("made", "The referral's date"));
    let reason = d.check("reason", f.required("reason", "The reason"));
    Some(Record::Referral(Referral {
        to: to?,
        made: made?,
        reason: reason?,
        outcome: None,
    }))
}

fn notice_to_improve(f: &FormData, d: &mut Draft) -> Option<Record> {
    let parent = d.check("parent", f.required("parent", "The parent"));
    let issued = d.check("issued", f.date("issued", "The date issued"));
    let weeks = d.check("weeks", f.number("weeks", "The improvement period"));
    Some(Record::NoticeToImprove(NoticeToImprove {
        parent: parent?,
        issued: issued?,
        weeks: weeks?,
        support_given: f.get("support_given").to_owned(),
        support_available: f.get("support_available").to_owned(),
        sufficient_improvement: f.get("sufficient_improvement").to_owned(),
        result: None,
    }))
}

fn penalty_notice(f: &FormData, d: &mut Draft, records: &[CaseFileRecord]) -> Option<Record> {
    let parent = d.check("parent", f.required("parent", "The parent"));
    let issued = d.check("issued", f.date("issued", "The date issued"));
    let first = d.check("first", f.date("first", "The first day covered"));
    let last = d.check("last", f.date("last", "The last day covered"));
    let (parent, issued) = (parent?, issued?);
    let notices = penalty_notices(records).filter(|n| n.parent == parent);
    // National Framework for Penalty Notices 2024: no third within three years of the first.
    if let NextPenalty::None { first, until } = next_penalty(notices, issued) {
        d.refuse(
            "issued",
            format!(
                "{parent} has had two penalty notices for this child since {}: no third may be issued before {}. Refer for prosecution or an education supervision order instead.",
                full_date(first),
                full_date(until)
            ),
        );
        return None;
    }
    Some(Record::PenaltyNotice(PenaltyNotice {
        parent,
        issued,
        first: SessionKey {
            date: first?,
            session: Session::Am,
        },
        last: SessionKey {
            date: last?,
            session: Session::Pm,
        },
        status: PenaltyStatus::Issued,
    }))
}

fn legal_referral(f: &FormData, d: &mut Draft) -> Option<Record> {
    let route = d.check(
        "route",
        choice(LegalRoute::parse(f.get("route")), "the route"),
    );
    let parent = d.check("parent", f.required("parent", "The parent"));
    let made = d.check("made", f.date("made", "The referral's date"));
    Some(Record::LegalReferral(LegalReferral {
        route: route?,
        parent: parent?,
        made: made?,
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

/// The form names a record kind's form has on the pupil page.
const FORMS: [&str; 7] = [
    "meeting",
    "plan",
    "part_time",
    "referral",
    "notice_to_improve",
    "penalty_notice",
    "legal_referral",
];

pub(super) async fn add_record(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, pupil, kind)): Path<(i64, i64, String)>,
    crate::limits::Form(form): crate::limits::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::WorkCases, "keep case files")?;
    let record = access.pupil(&state, PupilKey(pupil)).await?;
    let Some(name) = FORMS.into_iter().find(|f| *f == kind) else {
        return Err(AppError::BadRequest(format!(
            "{kind:?} is not a kind of case-file record"
        )));
    };
    let f = FormData(form);
    let mut draft = Draft::of(f.0.clone());
    let filed = state.store.case_file(record.key).await?;
    let item = draft.check("item", f.item());
    let new = match name {
        "meeting" => meeting(&f, &mut draft),
        "plan" => plan(&f, &mut draft),
        "part_time" => part_time(&f, &mut draft),
        "referral" => referral(&f, &mut draft),
        "notice_to_improve" => notice_to_improve(&f, &mut draft),
        "penalty_notice" => penalty_notice(&f, &mut draft, &filed),
        _ => legal_referral(&f, &mut draft),
    };
    if let Some(new) = &new
        && let Err(e) = new.validate()
    {
        draft.refuse(new.field_of(&e), crate::view::sentence(&e.to_string()));
    }
    let (Some(new), Some(item), false) = (new, item, draft.is_refused()) else {
        let refused = Refused {
            form: name.into(),
            draft,
        };
        return super::super::pupils::refused(&state, &access, record.key, refused).await;
    };
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
    entry.entry.item = item;
    state
        .store
        .file_record(&NewFileRecord {
            record: new,
            entry,
            marks,
        })
        .await?;
    Ok(Redirect::to(&format!("/s/{school}/pupils/{pupil}#case-file")).into_response())
}

pub(super) async fn update_record(
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
