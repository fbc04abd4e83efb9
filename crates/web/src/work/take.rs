//! Taking a register: what a teacher entered becomes marks, by the school's register times and
//! calendar, checked and handed to the store, which decides who may change what.

use jiff::Zoned;
use jiff::civil::Time;
use rollcall_core::{
    Arrival, Authority, Code, Permission, Session, SessionKey, change_reason, check_code,
};
use rollcall_store::{EnteredMark, GroupId, PupilKey, RegisterSheet, Submission, SubmitOutcome};

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
