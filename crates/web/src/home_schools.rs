//! An alternative provision's duty to its learners' home schools (seed 000 "Absence
//! procedures"): when a register closes, each absent learner's home school is emailed the mark
//! here and the mark for its own register (`D`), as a return made with its chronology entry;
//! and each home school can take a day's file of its learners' marks.

use jiff::civil::Date;
use rollcall_core::{CaseEntry, EntryKind, Policy, Session, SessionKey};
use rollcall_returns::content::{Table, columns, content, to_csv, to_text};
use rollcall_returns::{Due as Return, PupilFacts, School};
use rollcall_store::{
    Actor, Casebook, Channel, Due, NewCaseEntry, NewMessage, NewReturn, PupilRecord, SchoolRecord,
    Sent,
};

use crate::AppState;
use crate::error::AppError;

/// The table of some learners' marks for sessions, as the returns crate makes it.
fn table(
    book: &Casebook,
    policy: &Policy,
    learners: &[&PupilRecord],
    sessions: &[(Date, Session)],
    why: &str,
) -> Table {
    let school = School {
        register: book.register(),
        calendar: &policy.calendar,
        settings: &policy.procedures.statutory.returns,
        pupils: learners
            .iter()
            .map(|r| PupilFacts {
                pupil: &r.pupil,
                entry: None,
                admitted: None,
                deletion: None,
                contacts: Vec::new(),
                part_time: Vec::new(),
            })
            .collect(),
    };
    let rows = learners
        .iter()
        .flat_map(|r| {
            sessions.iter().flat_map(|&(on, session)| {
                let notice = Return::home_school(r.pupil.upn, on, session, why.to_owned());
                content(&school, &notice).rows
            })
        })
        .collect();
    let kind = rollcall_returns::Kind::HomeSchool;
    Table {
        title: match learners {
            [one] => format!("{}: {}", kind.title(), one.pupil.name()),
            _ => kind.title().to_owned(),
        },
        explanation: format!("{}. {why}.", kind.rule()),
        columns: columns(kind),
        rows,
    }
}

/// The notices a register close sends: one for each learner whose home school is to be told
/// of an absence this session and whose lead contact has an email address. A learner without
/// one stays on the worklist, for a call.
pub(crate) async fn notices(
    state: &AppState,
    school: &SchoolRecord,
    policy: &Policy,
    book: &Casebook,
    due: &[Due<'_>],
    key: SessionKey,
    actor: &Actor,
) -> Result<Vec<NewReturn>, AppError> {
    let Some(home) = &policy.procedures.home_school else {
        return Ok(Vec::new());
    };
    let links = state.store.home_links(school.id).await?;
    let close = key
        .date
        .to_datetime(policy.times(key.session).register_closes);
    let at = state.clock.now();
    let mut made = Vec::new();
    for d in due {
        if !(d.item.key.rule == "home_school.notify" && d.item.key.occasion == key.to_string()) {
            continue;
        }
        let Some((_, link)) = links.iter().find(|(k, _)| *k == d.pupil.key) else {
            continue;
        };
        let Some(email) = link.email.clone() else {
            continue;
        };
        let why = format!("{} at the {} register", d.item.reason, key.session);
        let notice = table(book, policy, &[d.pupil], &[(key.date, key.session)], &why);
        let body = format!(
            "{}\n\nPlease record D for this session in your register and make your own enquiries; \
             we expect your update within {} minutes.\n\n{} ({})",
            to_text(&notice),
            home.update_within_minutes,
            school.name,
            policy
                .school
                .phone
                .as_deref()
                .unwrap_or("no telephone number set"),
        );
        let message = NewMessage {
            pupil: Some(d.pupil.key),
            contact: None,
            channel: Channel::Email,
            recipient: email.clone(),
            subject: Some(format!(
                "Absence: {}, {} {} ({})",
                d.pupil.pupil.name(),
                key.date,
                key.session,
                school.name
            )),
            body,
            withheld: None,
        };
        let entry = NewCaseEntry {
            pupil: d.pupil.key,
            entry: CaseEntry {
                at: close,
                kind: EntryKind::Notification,
                item: Some(d.item.key.clone()),
                with: format!("{} ({})", link.lead, link.school),
                note: format!("Absence notice emailed at register close to {email}: record D"),
                by: String::new(),
            },
            actor: actor.clone(),
            recorded_at: at,
        };
        made.push(NewReturn {
            school: school.id,
            key: rollcall_returns::Key {
                kind: rollcall_returns::Kind::HomeSchool,
                upn: Some(d.pupil.pupil.upn),
                on: key.date,
                session: Some(key.session),
            },
            due: key.date,
            sent: Sent::Emailed,
            to: email,
            content: to_csv(&notice).map_err(|e| AppError::Internal(e.to_string()))?,
            entries: vec![(Some(message), entry)],
            by: actor.signature(),
            at: close,
            recorded_at: at,
        });
    }
    Ok(made)
}

/// A home school's file for a day: each of its learners here, morning and afternoon, with the
/// mark here and the mark for its register.
pub(crate) fn daily_file(
    book: &Casebook,
    policy: &Policy,
    learners: &[&PupilRecord],
    on: Date,
) -> Result<String, AppError> {
    let sessions = [(on, Session::Am), (on, Session::Pm)];
    let file = table(book, policy, learners, &sessions, "The day's marks");
    to_csv(&file).map_err(|e| AppError::Internal(e.to_string()))
}
