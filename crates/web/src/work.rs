//! The work the pages and the API both do: taking registers, finding missing registers and
//! unexplained absences, amending marks and entering codes in bulk. Each checks permission,
//! applies the school's policy, and leaves the transaction to the store.

use jiff::civil::{Date, Time};
use jiff::{Timestamp, Zoned};
use rollcall_core::{
    Arrival, Authority, CaseEntry, Code, EntryKind, Flag, ItemKey, Permission, Session, SessionKey,
    change_reason, check_code, check_mark,
};
use rollcall_store::{
    Amendment, BulkChange, BulkOutcome, ContactRecord, EnteredMark, GroupId, GroupRecord,
    NewCaseEntry, NewFlag, PupilKey, PupilRecord, RegisterSheet, Submission, SubmissionRecord,
    SubmitOutcome,
};

use crate::AppState;
use crate::access::Access;
use crate::error::AppError;

/// What a teacher entered for a pupil on a register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entry {
    /// In the room at registration: `/` in the morning, `\` in the afternoon.
    Present,
    /// Arrived after the register began; `at` is when (the submission time if not given).
    Late { at: Option<Time> },
    /// Any other code.
    Code(Code),
}

/// The session whose register is being taken now: the morning until the afternoon register
/// opens.
pub(crate) fn current_session(access: &Access, now: &Zoned) -> Session {
    if now.time() < access.policy.pm.register_opens {
        Session::Am
    } else {
        Session::Pm
    }
}

/// The mark an entry becomes, with minutes late worked out from the school's register times
/// (statutory.md §2: `L` until the register closes, `U` after it).
fn mark_for(
    access: &Access,
    key: SessionKey,
    entry: &Entry,
    now: &Zoned,
) -> Result<(Code, Option<u16>), String> {
    match entry {
        Entry::Present => Ok((
            match key.session {
                Session::Am => Code::PresentAm,
                Session::Pm => Code::PresentPm,
            },
            None,
        )),
        Entry::Code(code) => Ok((*code, None)),
        Entry::Late { at } => {
            let at = at.unwrap_or_else(|| {
                if now.date() == key.date {
                    now.time()
                } else {
                    Time::MAX
                }
            });
            match access.policy.times(key.session).arrival(at) {
                Arrival::OnTime => mark_for(access, key, &Entry::Present, now),
                Arrival::Late(minutes) => Ok((Code::Late, Some(minutes))),
                Arrival::AfterRegisterClosed(minutes) => {
                    Ok((Code::ArrivedAfterClose, Some(minutes)))
                }
                Arrival::AfterSession => Err(format!(
                    "an arrival at {} is after the {} session ended; mark the pupil absent",
                    at.strftime("%H:%M"),
                    key.session
                )),
            }
        }
    }
}

/// Refuses sessions the school calendar has closed, and registers for the future.
fn check_session(access: &Access, key: SessionKey, now: &Zoned) -> Result<(), AppError> {
    if key.date > now.date() {
        return Err(AppError::BadRequest(format!(
            "the register for {key} cannot be taken before the day"
        )));
    }
    if !access.policy.calendar.is_open(key.slot()) {
        return Err(AppError::BadRequest(format!(
            "{key} is not a school session in {}'s calendar",
            access.school.name
        )));
    }
    Ok(())
}

/// A group's register for a session, if the member of staff may take it.
pub(crate) async fn sheet(
    state: &AppState,
    access: &Access,
    group: GroupId,
    key: SessionKey,
) -> Result<RegisterSheet, AppError> {
    access.group_to_take(state, group).await?;
    Ok(state.store.register(group, key.date, key.session).await?)
}

/// A register's version, for `ETag` and `If-Match`: it changes whenever any of its marks does.
pub(crate) fn register_etag(sheet: &RegisterSheet) -> String {
    use sha2::{Digest, Sha256};
    let mut digest = Sha256::new();
    digest.update(format!("{}/{}", sheet.group.id, sheet.key));
    for row in &sheet.rows {
        let version = row.mark.as_ref().map_or(0, |m| m.version);
        digest.update(format!(";{}:{version}", row.pupil.key));
    }
    let digest = digest.finalize();
    format!("\"{}\"", hex::encode(digest.get(..10).unwrap_or_default()))
}

/// The reason a person gave for changing marks: one from the list and their own words, as the
/// ledger keeps it (see `rollcall_core::authority`). `None` when no reason was chosen.
pub(crate) fn reason_given(reason: Option<&str>, note: &str) -> Result<Option<String>, AppError> {
    match reason.map(str::trim).filter(|r| !r.is_empty()) {
        None if note.trim().is_empty() => Ok(None),
        None => Err(AppError::BadRequest(
            "reason: choose why the marks change; the note adds to it".into(),
        )),
        Some(reason) => change_reason(reason, note)
            .map(Some)
            .map_err(|e| AppError::BadRequest(format!("reason: {e}"))),
    }
}

/// Takes (or re-takes) a group's register: each entry with the version of the pupil's mark the
/// person saw, if they said. The store checks each mark against the pupils on the register
/// when it is written, and who may change a mark already recorded (a class teacher their own,
/// until the register closes); the session and the codes are checked here, against the
/// school's calendar and clock.
pub(crate) async fn take_register(
    state: &AppState,
    access: &Access,
    group: GroupId,
    key: SessionKey,
    entries: &[(PupilKey, Entry, Option<u32>)],
    reason: Option<String>,
    idempotency_key: Option<String>,
) -> Result<SubmitOutcome, AppError> {
    let group = access.group_to_take(state, group).await?;
    let now = state.local_now();
    check_session(access, key, &now)?;
    let corrects_until = access
        .policy
        .corrections_until(key)
        .to_zoned(state.config.time_zone.clone())
        .map_err(|e| AppError::Internal(e.to_string()))?
        .timestamp();
    let mut marks = Vec::with_capacity(entries.len());
    for (pupil, entry, seen) in entries {
        let checked = mark_for(access, key, entry, &now).and_then(|(code, minutes)| {
            check_code(key, code, minutes, Some(&access.policy.calendar))
                .map(|()| (code, minutes))
                .map_err(|e| e.to_string())
        });
        let (code, minutes) = match checked {
            Ok(mark) => mark,
            Err(message) => return Err(naming(state, group.id, key, *pupil, &message).await),
        };
        marks.push(EnteredMark {
            pupil: *pupil,
            code,
            minutes_late: minutes,
            comment: None,
            seen: *seen,
        });
    }
    let submission = Submission {
        group: group.id,
        key,
        marks,
        reason: reason.filter(|r| !r.trim().is_empty()),
        authority: Authority {
            may_amend: access.permits(Permission::AmendMarks),
            corrects_until,
        },
        actor: access.user.actor(),
        at: state.clock.now(),
        idempotency_key,
    };
    Ok(state.store.submit_register(&submission).await?)
}

/// A refusal of one pupil's mark, naming the pupil in full as the register lists them.
async fn naming(
    state: &AppState,
    group: GroupId,
    key: SessionKey,
    pupil: PupilKey,
    message: &str,
) -> AppError {
    let sheet = state.store.register(group, key.date, key.session).await;
    let name = sheet.ok().and_then(|sheet| {
        sheet
            .rows
            .into_iter()
            .find(|row| row.pupil.key == pupil)
            .map(|row| row.pupil.pupil.name())
    });
    AppError::BadRequest(match name {
        Some(name) => format!("{name}: {message}"),
        None => format!("pupil {pupil}: {message}"),
    })
}

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
        return Err(AppError::BadRequest(
            "marks for future sessions are entered as planned leave, not amendments".into(),
        ));
    }
    let reason = reason_given(Some(&change.reason), &change.note)?
        .ok_or_else(|| AppError::BadRequest("reason: choose why the mark changes".into()))?;
    let keys = change.sessions.keys(change.date);
    if change.seen.is_some() && keys.len() > 1 {
        return Err(AppError::BadRequest(
            "version: a version names one session's mark; change AM and PM one at a time".into(),
        ));
    }
    let mut amendments = Vec::with_capacity(keys.len());
    for key in keys {
        check_mark(
            &record.pupil,
            key,
            change.code,
            change.minutes_late,
            Some(&access.policy.calendar),
        )
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
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
    if last < first {
        return Err(AppError::BadRequest(
            "the last date is before the first".into(),
        ));
    }
    if last.since(first).map_or(true, |s| s.get_days() > 366) {
        return Err(AppError::BadRequest(
            "a bulk change covers at most a year".into(),
        ));
    }
    // A planned closure (`#`) is a fact about the whole school's calendar, not a mark for some
    // pupils: regulation 10 and statutory.md §1.1 (`#`, with Y3 for part of the premises).
    if code == Code::PlannedClosure {
        return Err(AppError::BadRequest(
            "a planned closure (#) goes in the school calendar, which marks it for every pupil; \
             for part of the school closed unexpectedly use Y3, for the whole site Y4"
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
        return Err(AppError::BadRequest(format!(
            "there are no school sessions from {first} to {last}"
        )));
    }
    for k in [keys.first(), keys.last()].into_iter().flatten() {
        code.check_date(k.date)
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
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
    .map_err(|e| AppError::BadRequest(e.to_string()))?;
    if note.is_empty()
        && matches!(
            kind,
            EntryKind::Dismissed | EntryKind::RatingOverride(_) | EntryKind::Note
        )
    {
        return Err(AppError::BadRequest(format!(
            "{} needs a reason in the note",
            kind.title()
        )));
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
    state
        .store
        .add_case_entry(&NewCaseEntry {
            pupil: pupil.key,
            entry: CaseEntry {
                at: state.local_now().datetime(),
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
