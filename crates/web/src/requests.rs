//! What parents report and ask for, and what the school decides: the work behind the parent
//! portal's forms and the office's requests page. Each function checks who may do it (a
//! parent's own child; a member of staff's permission) and applies the school's policy.

use jiff::civil::Date;
use rollcall_core::{
    AbsenceReason, AcademicYear, CaseEntry, Code, DateRange, EntryKind, LeaveKind, Permission,
    RequestStatus, Session, SessionKey, check_leave, check_report,
};
use rollcall_messages::{Kind, Templates};
use rollcall_store::{
    Actor, BulkOutcome, Channel, ContactId, DecidedMarks, Decision, Document, NewAbsenceReport,
    NewCaseEntry, NewLeaveRequest, PupilKey, PupilRecord,
};

use crate::AppState;
use crate::access::Access;
use crate::error::AppError;
use crate::outbox::{entry_for, message_to, pupil_fields, templates};
use crate::parents::{Child, Family};
use crate::view::long_date;

/// A parent's report, as entered.
pub(crate) struct ReportInput {
    pub first: SessionKey,
    pub last: SessionKey,
    pub reason: AbsenceReason,
    pub details: String,
    pub expected_return: Option<Date>,
}

/// A parent's leave request, as entered.
pub(crate) struct LeaveInput {
    pub first: Date,
    pub last: Date,
    pub kind: LeaveKind,
    pub reason: String,
    pub document: Option<Document>,
}

/// "Tuesday 24 November 2026 (morning) to Wednesday 25 November 2026 (afternoon)".
pub(crate) fn sessions_text(first: SessionKey, last: SessionKey) -> String {
    let one = |k: SessionKey| {
        format!(
            "{} ({})",
            long_date(k.date),
            crate::view::session_name(k.session).to_lowercase()
        )
    };
    if first == last {
        one(first)
    } else if first.date == last.date {
        format!("{} (all day)", long_date(first.date))
    } else {
        format!("{} to {}", one(first), one(last))
    }
}

/// "Monday 7 December 2026 to Friday 11 December 2026".
pub(crate) fn days_text(first: Date, last: Date) -> String {
    if first == last {
        long_date(first)
    } else {
        format!("{} to {}", long_date(first), long_date(last))
    }
}

fn parent_actor(family: &Family, child: &Child) -> Actor {
    Actor {
        user: None,
        name: family.parent.name.clone(),
        position: child.contact.contact.relationship.clone(),
    }
}

/// A chronology entry made now.
pub(crate) fn entry(
    pupil: PupilKey,
    kind: EntryKind,
    with: String,
    note: String,
    actor: &Actor,
    state: &AppState,
) -> NewCaseEntry {
    NewCaseEntry {
        pupil,
        entry: CaseEntry {
            at: state.local_now().datetime(),
            kind,
            item: None,
            with,
            note,
            by: String::new(),
        },
        actor: actor.clone(),
        recorded_at: state.clock.now(),
    }
}

/// A parent reports an absence for today or later.
pub(crate) async fn report_absence(
    state: &AppState,
    family: &Family,
    pupil: PupilKey,
    input: ReportInput,
) -> Result<i64, AppError> {
    let child = family.child(pupil)?;
    let now = state.local_now();
    check_report(input.first.date, input.last.date, now.date()).map_err(|e| AppError::Invalid {
        field: e.field(),
        message: crate::view::sentence(&e.to_string()),
    })?;
    if input.last.slot() < input.first.slot() {
        return Err(AppError::Invalid {
            field: "last_session",
            message: "The last session is before the first.".into(),
        });
    }
    let actor = parent_actor(family, child);
    let dates = sessions_text(input.first, input.last);
    let mut note = format!("{}, {dates}", input.reason.title());
    if !input.details.trim().is_empty() {
        note.push_str(&format!(": {}", input.details.trim()));
    }
    if let Some(back) = input.expected_return {
        note.push_str(&format!(". Expected back {}", long_date(back)));
    }
    let report = NewAbsenceReport {
        pupil,
        contact: child.contact.id,
        parent: family.parent.id,
        first: input.first,
        last: input.last,
        reason: input.reason,
        details: input.details.trim().to_owned(),
        expected_return: input.expected_return,
        at: now.datetime(),
        recorded_at: state.clock.now(),
    };
    let entry = entry(
        pupil,
        EntryKind::AbsenceReport,
        "School office".into(),
        format!("Reported in the parent portal: {note}"),
        &actor,
        state,
    );
    Ok(state.store.add_absence_report(&report, &entry).await?)
}

/// A parent answers the school's request for more.
pub(crate) async fn answer_report(
    state: &AppState,
    family: &Family,
    pupil: PupilKey,
    id: i64,
    answer: &str,
) -> Result<(), AppError> {
    let child = family.child(pupil)?;
    let answer = answer.trim();
    if answer.is_empty() {
        return Err(AppError::BadRequest("Write your answer first.".into()));
    }
    let actor = parent_actor(family, child);
    let entry = entry(
        pupil,
        EntryKind::AbsenceReport,
        "School office".into(),
        format!("Answered the school's question: {answer}"),
        &actor,
        state,
    );
    Ok(state
        .store
        .answer_absence_report(pupil, id, answer, &entry)
        .await?)
}

/// A parent asks for leave of absence.
pub(crate) async fn request_leave(
    state: &AppState,
    family: &Family,
    pupil: PupilKey,
    input: LeaveInput,
) -> Result<i64, AppError> {
    let child = family.child(pupil)?;
    let now = state.local_now();
    check_leave(
        input.first,
        input.last,
        now.date(),
        child.contact.contact.lives_with_pupil,
        child.policy.procedures.leave.as_ref(),
    )
    .map_err(|e| AppError::Invalid {
        field: e.field(),
        message: crate::view::sentence(&e.to_string()),
    })?;
    if input.reason.trim().is_empty() {
        return Err(AppError::Invalid {
            field: "reason",
            message: "Say why you are asking for leave.".into(),
        });
    }
    let actor = parent_actor(family, child);
    let mut note = format!(
        "{}, {}: {}",
        input.kind.title(),
        days_text(input.first, input.last),
        input.reason.trim()
    );
    if let Some(doc) = &input.document {
        note.push_str(&format!(" (with {})", doc.name));
    }
    let request = NewLeaveRequest {
        pupil,
        contact: child.contact.id,
        parent: family.parent.id,
        first: input.first,
        last: input.last,
        kind: input.kind,
        reason: input.reason.trim().to_owned(),
        document: input.document,
        at: now.datetime(),
        recorded_at: state.clock.now(),
    };
    let entry = entry(
        pupil,
        EntryKind::LeaveRequest,
        "Headteacher".into(),
        format!("Asked in the parent portal: {note}"),
        &actor,
        state,
    );
    Ok(state.store.add_leave_request(&request, &entry).await?)
}

/// The open sessions of the school calendar from `first` to `last`.
fn open_sessions(access: &Access, first: SessionKey, last: SessionKey) -> Vec<SessionKey> {
    access
        .policy
        .calendar
        .school_sessions(DateRange {
            first: first.date,
            last: last.date,
        })
        .filter(|s| first.slot() <= *s && *s <= last.slot())
        .map(|s| s.key())
        .collect()
}

/// The message to the parent who made a report or request, rendered from the school's
/// template, with its chronology entry.
#[allow(clippy::too_many_arguments)]
async fn reply(
    state: &AppState,
    access: &Access,
    pupil: &PupilRecord,
    contact: ContactId,
    parent_name: &str,
    kind: Kind,
    extra: &[(&'static str, String)],
    actor: &Actor,
) -> Result<Option<(rollcall_store::NewMessage, NewCaseEntry)>, AppError> {
    let contacts = state.store.contacts(pupil.key).await?;
    let Some(contact) = contacts.iter().find(|c| c.id == contact) else {
        return Ok(None);
    };
    let templates: Templates = templates(state, access.school.id).await?;
    let mut fields = pupil_fields(&access.school, access.policy.school.phone.as_deref(), pupil);
    fields.insert("parent_name", parent_name.to_owned());
    for (name, value) in extra {
        fields.insert(name, value.clone());
    }
    let message = message_to(contact, Channel::Email, kind, &templates, &fields)?;
    let entry = entry_for(
        &message,
        contact,
        state.local_now().datetime(),
        actor,
        state.clock.now(),
    );
    Ok(Some((message, entry)))
}

/// What the office decides about a report.
pub(crate) enum ReportChoice {
    /// Accept it, entering the code on the register.
    Accept(Code),
    /// Ask the parent for more.
    AskForMore,
}

/// The office accepts a report (the code goes on the register, with a ledger entry, wherever
/// a session holds no mark or `N`) or asks the parent for more.
pub(crate) async fn decide_report(
    state: &AppState,
    access: &Access,
    id: i64,
    choice: ReportChoice,
    response: &str,
) -> Result<BulkOutcome, AppError> {
    access.require(
        Permission::HandleAbsenceReports,
        "handle reports of absence",
    )?;
    let record = state.store.absence_report(access.school.id, id).await?;
    let pupil = access.pupil(state, record.report.pupil).await?;
    let actor = access.user.actor();
    let dates = sessions_text(record.report.first, record.report.last);
    let response = response.trim();
    let (status, marks, kind, note) = match choice {
        ReportChoice::Accept(code) => {
            let sessions = open_sessions(access, record.report.first, record.report.last);
            let reason = format!(
                "Reported by {} ({}) on {}: {}; accepted",
                record.parent_name,
                record.report.reason.title().to_lowercase(),
                record.report.at.strftime("%-d %b %Y %H:%M"),
                dates
            );
            let note = format!("Accepted the report of absence ({dates}): {code} entered");
            let marks = DecidedMarks {
                code,
                sessions,
                granted: None,
                reason,
            };
            (
                RequestStatus::Accepted,
                Some(marks),
                Kind::ReportAccepted,
                note,
            )
        }
        ReportChoice::AskForMore => {
            if response.is_empty() {
                return Err(AppError::BadRequest(
                    "Say what more you need from the parent.".into(),
                ));
            }
            let note = format!("Asked for more about the report of absence ({dates})");
            (
                RequestStatus::MoreInformation,
                None,
                Kind::ReportMoreInformation,
                note,
            )
        }
    };
    let message = reply(
        state,
        access,
        &pupil,
        record.report.contact,
        &record.parent_name,
        kind,
        &[
            ("dates", dates),
            ("reason", record.report.reason.title().to_owned()),
            ("response", response.to_owned()),
        ],
        &actor,
    )
    .await?;
    let decision = Decision {
        school: access.school.id,
        id,
        status,
        response: response.to_owned(),
        marks,
        actor: actor.clone(),
        at: state.clock.now(),
        entry: entry(
            pupil.key,
            EntryKind::Decision,
            record.parent_name.clone(),
            with_response(note, response),
            &actor,
            state,
        ),
        message,
    };
    Ok(state.store.decide_absence_report(&decision).await?)
}

/// What the authorised person decides about leave.
pub(crate) enum LeaveChoice {
    /// Grant these days (all or some of those asked for), with this code, or the code the
    /// kind of leave calls for when `None`.
    Grant {
        first: Date,
        last: Date,
        code: Option<Code>,
    },
    /// Refuse it.
    Refuse,
}

/// The authorised person decides a leave request (regulation 11(1)): granted sessions are
/// entered in advance with their code; refused leave, if taken, comes back on the worklist.
pub(crate) async fn decide_leave(
    state: &AppState,
    access: &Access,
    id: i64,
    choice: LeaveChoice,
    response: &str,
) -> Result<BulkOutcome, AppError> {
    access.require(Permission::DecideLeave, "decide leave of absence")?;
    let record = state.store.leave_request(access.school.id, id).await?;
    let pupil = access.pupil(state, record.request.pupil).await?;
    let response = response.trim();
    if response.is_empty() {
        return Err(AppError::BadRequest(
            "Give the reasons for the decision: they go to the parent.".into(),
        ));
    }
    let actor = access.user.actor();
    let asked = (record.request.first, record.request.last);
    let dates = days_text(asked.0, asked.1);
    let (status, marks, granted_text) = match choice {
        LeaveChoice::Grant { first, last, code } => {
            if first < asked.0 || last > asked.1 || last < first {
                return Err(AppError::BadRequest(format!(
                    "Grant days within those asked for: {dates}."
                )));
            }
            let sessions = open_sessions(
                access,
                SessionKey {
                    date: first,
                    session: Session::Am,
                },
                SessionKey {
                    date: last,
                    session: Session::Pm,
                },
            );
            let code = match code {
                Some(code) => code,
                None => {
                    let used = religious_days(state, pupil.key, first).await?;
                    let days = u32::try_from(sessions.len().div_ceil(2)).unwrap_or(u32::MAX);
                    let allowance = access
                        .policy
                        .procedures
                        .leave
                        .as_ref()
                        .and_then(|l| l.religious_observance_days);
                    record.request.kind.granted_code(used, days, allowance)
                }
            };
            let status = if (first, last) == asked {
                RequestStatus::Granted
            } else {
                RequestStatus::PartlyGranted
            };
            let marks = DecidedMarks {
                code,
                sessions,
                granted: Some((first, last)),
                reason: format!(
                    "Leave of absence granted by {} ({}), asked for by {}",
                    actor.name,
                    record.request.kind.title().to_lowercase(),
                    record.parent_name
                ),
            };
            (status, Some(marks), days_text(first, last))
        }
        LeaveChoice::Refuse => (RequestStatus::Refused, None, String::new()),
    };
    let message = reply(
        state,
        access,
        &pupil,
        record.request.contact,
        &record.parent_name,
        Kind::LeaveDecision,
        &[
            ("dates", dates.clone()),
            ("decision", status.title().to_owned()),
            ("granted", granted_text.clone()),
            ("response", response.to_owned()),
        ],
        &actor,
    )
    .await?;
    let note = match &marks {
        Some(m) => format!(
            "Leave ({dates}): {}; {granted_text} entered as {}",
            status.title(),
            m.code
        ),
        None => format!("Leave ({dates}): refused"),
    };
    let decision = Decision {
        school: access.school.id,
        id,
        status,
        response: response.to_owned(),
        marks,
        actor: actor.clone(),
        at: state.clock.now(),
        entry: entry(
            pupil.key,
            EntryKind::Decision,
            record.parent_name.clone(),
            with_response(note, response),
            &actor,
            state,
        ),
        message,
    };
    Ok(state.store.decide_leave(&decision).await?)
}

/// Days of `R` the pupil has had this academic year before `before`.
async fn religious_days(state: &AppState, pupil: PupilKey, before: Date) -> Result<u32, AppError> {
    let year = AcademicYear::of(before);
    let sessions = state
        .store
        .marks(pupil, year.first_day(), before)
        .await?
        .iter()
        .filter(|m| m.code == Code::Religious)
        .count();
    Ok(u32::try_from(sessions.div_ceil(2)).unwrap_or(u32::MAX))
}

fn with_response(note: String, response: &str) -> String {
    if response.is_empty() {
        note
    } else {
        format!("{note}. \"{response}\"")
    }
}
