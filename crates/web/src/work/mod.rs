//! The work the pages and the API both do: taking registers, finding missing registers and
//! unexplained absences, amending marks and entering codes in bulk. Each checks permission,
//! applies the school's policy, and leaves the transaction to the store.

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use rollcall_core::text::human_date;
use rollcall_core::{
    CaseEntry, Code, EntryKind, Flag, ItemKey, Permission, Session, SessionKey, check_mark, undo,
};
use rollcall_store::{
    Amendment, BulkChange, BulkOutcome, ContactRecord, GroupId, GroupRecord, NewCaseEntry, NewFlag,
    PupilKey, PupilRecord, SubmissionRecord,
};

use crate::AppState;
use crate::access::Access;
use crate::error::AppError;

mod take;

pub(crate) use take::{Entry, current_session, reason_given, register_etag, sheet, take_register};

/// A register that should have been taken and has not.
#[derive(Debug, Clone)]
pub(crate) struct RegisterStatus {
    pub group: GroupRecord,
    pub key: SessionKey,
    pub pupils: usize,
    pub taken: Option<SubmissionRecord>,
    /// Whether every pupil on roll holds a mark for the session, however entered (a register,
    /// the office, an import).
    pub complete: bool,
    /// Whether the register closed before now without being taken or completed.
    pub overdue: bool,
}

/// The state of every register of a day that the member of staff can see: all the school's for
/// the office, their own groups' for a teacher.
pub(crate) async fn registers_of_day(
    state: &AppState,
    access: &Access,
    date: Date,
) -> Result<Vec<RegisterStatus>, AppError> {
    let now = state.local_now();
    let groups = if access.permits(Permission::TakeAnyRegister) {
        state.store.groups(access.school.id).await?
    } else {
        access.groups.clone()
    };
    let submissions = state.store.submissions(access.school.id, date).await?;
    let marked: std::collections::HashSet<(PupilKey, Session)> = state
        .store
        .day_marks(access.school.id, date)
        .await?
        .into_iter()
        .map(|(pupil, mark)| (pupil, mark.key.session))
        .collect();
    let mut statuses = Vec::new();
    for group in groups {
        let roll = state.store.pupils_of_group(group.id, date).await?;
        if roll.is_empty() {
            continue;
        }
        for session in Session::BOTH {
            let key = SessionKey { date, session };
            if !access.policy.calendar.is_open(key.slot()) {
                continue;
            }
            let taken = submissions
                .iter()
                .rev()
                .find(|s| s.group == group.id && s.session == session)
                .cloned();
            let complete = roll.iter().all(|p| marked.contains(&(p.key, session)));
            let closes = date.to_datetime(access.policy.times(session).register_closes);
            let overdue = taken.is_none() && !complete && now.datetime() > closes;
            statuses.push(RegisterStatus {
                group: group.clone(),
                key,
                pupils: roll.len(),
                taken,
                complete,
                overdue,
            });
        }
    }
    Ok(statuses)
}

/// Registers not taken by the policy's close time.
pub(crate) async fn missing_registers(
    state: &AppState,
    access: &Access,
    date: Date,
) -> Result<Vec<RegisterStatus>, AppError> {
    access.require(
        Permission::ViewOfficeLists,
        "see the day's missing registers",
    )?;
    Ok(registers_of_day(state, access, date)
        .await?
        .into_iter()
        .filter(|r| r.overdue)
        .collect())
}

/// A pupil absent with no reason yet (`N`), with whom to call.
#[derive(Debug, Clone)]
pub(crate) struct Unexplained {
    pub pupil: PupilRecord,
    pub group: String,
    pub sessions: Vec<Session>,
    pub contacts: Vec<ContactRecord>,
}

/// The day's absences with no reason established, each with the pupil's contacts in the order
/// to call them.
pub(crate) async fn unexplained_absences(
    state: &AppState,
    access: &Access,
    date: Date,
) -> Result<Vec<Unexplained>, AppError> {
    access.require(Permission::ViewOfficeLists, "see the day's absences")?;
    let marks = state.store.day_marks(access.school.id, date).await?;
    let mut absences: Vec<Unexplained> = Vec::new();
    for (key, mark) in marks {
        if mark.code != Code::ReasonNotEstablished {
            continue;
        }
        if let Some(last) = absences.last_mut().filter(|a| a.pupil.key == key) {
            last.sessions.push(mark.key.session);
            continue;
        }
        let pupil = state.store.pupil(key).await?;
        let contacts = state.store.contacts(key).await?;
        absences.push(Unexplained {
            group: pupil.pupil.reg_group.clone(),
            pupil,
            sessions: vec![mark.key.session],
            contacts,
        });
    }
    absences.sort_by(|a, b| {
        (&a.group, &a.pupil.pupil.legal_surname).cmp(&(&b.group, &b.pupil.pupil.legal_surname))
    });
    Ok(absences)
}

/// A change to a pupil's marks for one day.
#[derive(Debug, Clone)]
pub(crate) struct MarkChange {
    pub date: Date,
    pub sessions: Sessions,
    pub code: Code,
    pub minutes_late: Option<u16>,
    /// One of the reasons for a change (`rollcall_core::ChangeReason`).
    pub reason: String,
    /// The person's own words.
    pub note: String,
    /// The version of the mark the person saw, for a change to one session.
    pub seen: Option<u32>,
}

/// Changes a pupil's marks for a day (one session or both, together), with a reason.
pub(crate) async fn amend(
    state: &AppState,
    access: &Access,
    pupil: PupilKey,
    change: &MarkChange,
) -> Result<(), AppError> {
    access.require(Permission::AmendMarks, "change marks")?;
    let record = access.pupil(state, pupil).await?;
    if change.date > state.local_now().date() {
        return Err(AppError::Invalid {
            field: "date",
            message: "Marks for future sessions are entered as planned leave, not amendments."
                .into(),
        });
    }
    let reason =
        reason_given(Some(&change.reason), &change.note)?.ok_or_else(|| AppError::Invalid {
            field: "reason",
            message: "Choose why the mark changes.".into(),
        })?;
    let keys = change.sessions.keys(change.date);
    if change.seen.is_some() && keys.len() > 1 {
        return Err(AppError::BadRequest(
            "version: a version names one session's mark; change AM and PM one at a time".into(),
        ));
    }
    let mut amendments = Vec::with_capacity(keys.len());
    for key in keys {
        if let Some(minutes) = change.minutes_late.filter(|_| change.code.is_late()) {
            access
                .policy
                .times(key.session)
                .check_minutes_late(change.code, minutes)
                .map_err(|e| AppError::Invalid {
                    field: "minutes_late",
                    message: crate::view::sentence(&e.to_string()),
                })?;
        }
        check_mark(
            &record.pupil,
            key,
            change.code,
            change.minutes_late,
            Some(&access.policy.calendar),
        )
        .map_err(|e| AppError::Invalid {
            field: "code",
            message: crate::view::sentence(&e.to_string()),
        })?;
        amendments.push(Amendment {
            pupil,
            key,
            code: change.code,
            minutes_late: change.minutes_late.filter(|_| change.code.is_late()),
            comment: None,
            reason: reason.clone(),
            actor: access.user.actor(),
            at: state.clock.now(),
            seen: change.seen,
        });
    }
    Ok(state.store.amend_marks(&amendments).await?)
}

/// Which sessions of each day a bulk change covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Sessions {
    /// Mornings.
    Am,
    /// Afternoons.
    Pm,
    /// Both.
    Both,
}

impl Sessions {
    /// Reads `am`, `pm` or `both`, in any case; anything else is refused, naming the field.
    pub(crate) fn parse(text: &str) -> Result<Sessions, AppError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "am" => Ok(Sessions::Am),
            "pm" => Ok(Sessions::Pm),
            "both" => Ok(Sessions::Both),
            _ => Err(AppError::BadRequest(format!(
                "session: {:?} is not AM, PM or both",
                crate::limits::prefix(text)
            ))),
        }
    }

    /// The sessions of a day it covers.
    pub(crate) fn keys(self, date: Date) -> Vec<SessionKey> {
        let key = |session| SessionKey { date, session };
        match self {
            Sessions::Am => vec![key(Session::Am)],
            Sessions::Pm => vec![key(Session::Pm)],
            Sessions::Both => Session::BOTH.map(key).to_vec(),
        }
    }
}

/// Enters one code for a group (or the whole school) over a range of dates: the school
/// sessions in the range, skipping marks a bulk change must not overwrite.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn bulk(
    state: &AppState,
    access: &Access,
    group: Option<GroupId>,
    first: Date,
    last: Date,
    sessions: Sessions,
    code: Code,
    reason: &str,
) -> Result<BulkOutcome, AppError> {
    access.require(Permission::BulkCodes, "enter codes in bulk")?;
    let invalid = |field: &'static str, message: String| AppError::Invalid { field, message };
    if last < first {
        return Err(invalid("last", "The last day is before the first.".into()));
    }
    if last.since(first).map_or(true, |s| s.get_days() > 366) {
        return Err(invalid(
            "last",
            "A bulk change covers at most a year.".into(),
        ));
    }
    // A planned closure (`#`) is a fact about the whole school's calendar, not a mark for some
    // pupils: regulation 10 and statutory.md §1.1 (`#`, with Y3 for part of the premises).
    if code == Code::PlannedClosure {
        return Err(invalid(
            "code",
            "A planned closure (#) goes in the school calendar, which marks it for every pupil; \
             for part of the school closed unexpectedly use Y3, for the whole site Y4."
                .into(),
        ));
    }
    let pupils: Vec<PupilRecord> = match group {
        Some(id) => {
            let record = state.store.group(id).await?;
            if record.school != access.school.id {
                return Err(AppError::NotFound("registration group"));
            }
            state.store.pupils_of_group(id, last).await?
        }
        None => state.store.pupils(access.school.id).await?,
    };
    let keys: Vec<SessionKey> = access
        .policy
        .calendar
        .school_sessions(rollcall_core::DateRange { first, last })
        .map(|slot| slot.key())
        .filter(|k| match sessions {
            Sessions::Am => k.session == Session::Am,
            Sessions::Pm => k.session == Session::Pm,
            Sessions::Both => true,
        })
        .collect();
    if keys.is_empty() {
        return Err(invalid(
            "first",
            format!(
                "There are no school sessions from {} to {}.",
                human_date(&first),
                human_date(&last)
            ),
        ));
    }
    for k in [keys.first(), keys.last()].into_iter().flatten() {
        code.check_date(k.date)
            .map_err(|e| invalid("code", crate::view::sentence(&e.to_string())))?;
    }
    let change = BulkChange {
        school: access.school.id,
        pupils: pupils.iter().map(|p| p.key).collect(),
        sessions: keys,
        code,
        reason: reason.to_owned(),
        actor: access.user.actor(),
        at: state.clock.now(),
    };
    Ok(state.store.bulk_code(&change).await?)
}

/// When the register of a session closes, as a time of day.
pub(crate) fn closes(access: &Access, session: Session) -> Time {
    access.policy.times(session).register_closes
}

/// An instant shown in the school's time zone, `HH:MM`.
pub(crate) fn clock_time(state: &AppState, at: Timestamp) -> String {
    at.to_zoned(state.config.time_zone.clone())
        .strftime("%H:%M")
        .to_string()
}

/// What a member of staff records in a pupil's chronology.
#[derive(Debug, Clone, Default)]
pub(crate) struct Record {
    /// The worklist item it completes or dismisses (`rule@occasion`), if any.
    pub item: Option<String>,
    /// `call`, `letter`, ..., `dismissed`, `rating`, `risk_assessment`.
    pub kind: String,
    pub with: String,
    pub note: String,
    /// For `rating`.
    pub rating: Option<String>,
    /// For `risk_assessment`: 1–5 each.
    pub likelihood: Option<u8>,
    pub frequency: Option<u8>,
}

/// Adds an entry to a pupil's chronology, timed now.
pub(crate) async fn record_entry(
    state: &AppState,
    access: &Access,
    pupil: PupilKey,
    record: Record,
) -> Result<(), AppError> {
    access.require(Permission::WorkCases, "record casework")?;
    let pupil = access.pupil(state, pupil).await?;
    let note = record.note.trim().to_owned();
    let kind = EntryKind::parse(
        &record.kind,
        record.rating.as_deref(),
        record.likelihood,
        record.frequency,
    )
    .map_err(|e| AppError::Invalid {
        field: match e {
            rollcall_core::EntryKindError::Unknown(_) => "kind",
            rollcall_core::EntryKindError::Rating => "rating",
            rollcall_core::EntryKindError::RiskScores => "likelihood",
        },
        message: crate::view::sentence(&e.to_string()),
    })?;
    if note.is_empty()
        && matches!(
            kind,
            EntryKind::Dismissed | EntryKind::RatingOverride(_) | EntryKind::Note
        )
    {
        return Err(AppError::Invalid {
            field: "note",
            message: format!("{} needs a reason in the note.", kind.title()),
        });
    }
    let item = match record.item.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(
            ItemKey::parse(text)
                .ok_or_else(|| AppError::BadRequest(format!("{text:?} is not a worklist item")))?,
        ),
    };
    if kind == EntryKind::Dismissed && item.is_none() {
        return Err(AppError::BadRequest(
            "only a worklist item can be dismissed".into(),
        ));
    }
    if kind == EntryKind::NoAnswer && item.is_none() {
        return Err(AppError::BadRequest(
            "a try that reached nobody is recorded against its worklist item".into(),
        ));
    }
    let now = state.local_now().datetime();
    let note = match (kind, &item) {
        (EntryKind::Undone, None) => {
            return Err(AppError::BadRequest(
                "only an entry for a worklist item can be taken back".into(),
            ));
        }
        (EntryKind::Undone, Some(key)) => {
            let entries: Vec<CaseEntry> = state
                .store
                .chronology(pupil.key)
                .await?
                .into_iter()
                .map(|r| r.entry)
                .collect();
            let by = access.user.actor().signature();
            let taken_back = undo::undoable(&entries, key, &by, now).ok_or_else(|| {
                AppError::BadRequest(format!(
                    "only your own entry of the last {} minutes can be taken back; \
                     correct an older one with a note",
                    undo::UNDO_MINUTES
                ))
            })?;
            format!(
                "Took back: {} at {}",
                taken_back.kind.title(),
                taken_back.at.strftime("%H:%M")
            )
        }
        _ => note,
    };
    state
        .store
        .add_case_entry(&NewCaseEntry {
            pupil: pupil.key,
            entry: CaseEntry {
                at: now,
                kind,
                item,
                with: record.with.trim().to_owned(),
                note,
                by: String::new(),
            },
            actor: access.user.actor(),
            recorded_at: state.clock.now(),
        })
        .await?;
    Ok(())
}

/// Records a circumstance of a pupil's from a date.
pub(crate) async fn add_flag(
    state: &AppState,
    access: &Access,
    pupil: PupilKey,
    flag: &str,
    from: Date,
    note: &str,
) -> Result<(), AppError> {
    access.require(Permission::WorkCases, "record a pupil's circumstances")?;
    let pupil = access.pupil(state, pupil).await?;
    let flag = Flag::parse(flag)
        .ok_or_else(|| AppError::BadRequest(format!("{flag:?} is not a circumstance")))?;
    state
        .store
        .add_flag(&NewFlag {
            pupil: pupil.key,
            flag,
            from,
            note: note.trim().to_owned(),
            actor: access.user.actor(),
            at: state.clock.now(),
        })
        .await?;
    Ok(())
}

/// Records that a circumstance ended on a date.
pub(crate) async fn end_flag(
    state: &AppState,
    access: &Access,
    pupil: PupilKey,
    id: i64,
    until: Date,
) -> Result<(), AppError> {
    access.require(Permission::WorkCases, "record a pupil's circumstances")?;
    let pupil = access.pupil(state, pupil).await?;
    state
        .store
        .end_flag(pupil.key, id, until, &access.user.actor())
        .await?;
    Ok(())
}
