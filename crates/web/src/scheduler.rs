//! The scheduler: when a school's register closes, its register-close job runs, once per school
//! and session however many server processes are running and however often they restart.
//!
//! The job reads who is absent with no reason, queues the school's register-close text to each
//! absent pupil's parents (the outbox sends it) and records the text in the pupil's
//! chronology, which completes that worklist item unless every text was held back; the calls it leaves are the first
//! items on the Today page. The job's row, its messages and its entries commit together; the
//! row's unique key makes a second runner find the work done.

use std::time::Duration;

use jiff::civil::DateTime;
use rollcall_core::{ActionKind, CaseEntry, EntryKind, Policy, Session, SessionKey, Slot};
use rollcall_messages::Kind;
use rollcall_store::{
    Actor, Casebook, Channel, ContactRecord, JobKind, NewCaseEntry, ScheduledJob, SchoolRecord,
};

use crate::AppState;
use crate::error::AppError;
use crate::outbox::{message_to, pupil_fields};
use crate::view::{long_date, session_name};

/// How often the scheduler looks for jobs due: a register-close job runs within this of the
/// register closing.
const EVERY: Duration = Duration::from_secs(20);

/// How the scheduler names itself in the jobs it records: host and process.
fn runner_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "rollcall".to_owned());
    format!("{host}:{}", std::process::id())
}

/// Runs every job that is due at the state's clock and has not run. Returns the jobs this call
/// ran.
pub async fn run_due(state: &AppState, runner: &str) -> Result<Vec<ScheduledJob>, AppError> {
    let now = state.local_now();
    let today = now.date();
    let mut ran = Vec::new();
    for school in state.store.schools().await? {
        let policy = state.policies.get(&school)?;
        let done = state.store.jobs(school.id, today).await?;
        for session in Session::BOTH {
            let key = SessionKey {
                date: today,
                session,
            };
            let close = today.to_datetime(policy.times(session).register_closes);
            // Only today's: a job missed while no server ran is not made up on a later day,
            // when a text about that morning's register would mislead.
            if !policy.calendar.is_open(Slot::new(today, session))
                || now.datetime() < close
                || done
                    .iter()
                    .any(|j| j.key == key && j.kind == JobKind::RegisterClose.id())
            {
                continue;
            }
            let job = close_job(state, &school, &policy, key, close, runner).await?;
            if state.store.run_job(&job).await? {
                tracing::info!(school = %school.name, %key, summary = %job.summary, "register closed");
                ran.push(job);
            }
        }
        if let Some(job) = crate::weekly::run_due(state, &school, &policy, &now, runner).await? {
            tracing::info!(school = %school.name, summary = %job.summary, "weekly summary queued");
            ran.push(job);
        }
        if let Some(day) = crate::daily::run_due(state, &school, &policy, &now).await? {
            tracing::info!(school = %school.name, date = %day.date, complete = day.complete, "daily data for the DfE made");
        }
    }
    Ok(ran)
}

/// Runs due jobs and delivers the outbox every 20 seconds, for as long as the future is polled. The server process runs
/// it beside [`serve`](crate::serve); any number of processes may.
pub async fn run_scheduler(state: AppState) {
    let runner = runner_name();
    let mut ticks = tokio::time::interval(EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(e) = run_due(&state, &runner).await {
            tracing::warn!(error = %e, "the scheduler could not run its jobs");
        }
        if let Err(e) = crate::outbox::deliver_due(&state).await {
            tracing::warn!(error = %e, "the outbox could not deliver");
        }
    }
}

/// What the register-close job for one session does.
async fn close_job(
    state: &AppState,
    school: &SchoolRecord,
    policy: &Policy,
    key: SessionKey,
    close: DateTime,
    runner: &str,
) -> Result<ScheduledJob, AppError> {
    let book = Casebook::school(state.store.as_ref(), school.id, key.date).await?;
    let due = book.items(policy, close);
    let first_day: Vec<_> = due
        .iter()
        .filter(|due| due.item.key.is_first_day(key))
        .collect();
    let actor = Actor {
        user: None,
        name: "rollcall".into(),
        position: "register close".into(),
    };
    let at = state.clock.now();
    let templates = crate::outbox::templates(state, school.id).await?;
    let mut messages = Vec::new();
    let mut entries = Vec::new();
    let mut pupils = Vec::new();
    for due in &first_day {
        if !pupils.contains(&due.pupil.key) {
            pupils.push(due.pupil.key);
        }
        if due.item.kind != ActionKind::Text {
            continue;
        }
        let contacts = state.store.contacts(due.pupil.key).await?;
        let to = parents(&contacts);
        // With no number to text, the item stays on the worklist for the office.
        if to.is_empty() {
            continue;
        }
        let mut fields = pupil_fields(school, policy.school.phone.as_deref(), due.pupil);
        fields.insert("date", long_date(key.date));
        fields.insert("session", session_name(key.session).to_lowercase());
        let mut sent = Vec::new();
        let mut going = false;
        for contact in &to {
            let message = message_to(
                contact,
                Channel::Sms,
                Kind::RegisterClose,
                &templates,
                &fields,
            )?;
            let note = match &message.withheld {
                Some(why) => format!("{}: not sent, {why}", contact.contact.name),
                None => contact.contact.name.clone(),
            };
            going |= message.withheld.is_none();
            sent.push((note, message.body.clone()));
            messages.push(message);
        }
        let with = sent
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let body = sent.first().map(|(_, b)| b.clone()).unwrap_or_default();
        entries.push(NewCaseEntry {
            pupil: due.pupil.key,
            entry: CaseEntry {
                at: close,
                kind: EntryKind::Text,
                // With every text held back, the item stays for the office to act on.
                item: going.then(|| due.item.key.clone()),
                with,
                note: format!("Queued at register close: \"{body}\""),
                by: String::new(),
            },
            actor: actor.clone(),
            recorded_at: at,
        });
    }
    let calls = first_day
        .iter()
        .filter(|d| d.item.kind != ActionKind::Text)
        .count();
    let summary = format!(
        "{} absent with no reason at the {} register close ({}): {} text{} queued, {} other first-day action{} due",
        match pupils.len() {
            1 => "1 pupil".to_owned(),
            n => format!("{n} pupils"),
        },
        session_name(key.session).to_lowercase(),
        close.time().strftime("%H:%M"),
        messages.len(),
        if messages.len() == 1 { "" } else { "s" },
        calls,
        if calls == 1 { "" } else { "s" },
    );
    let returns =
        crate::home_schools::notices(state, school, policy, &book, &due, key, &actor).await?;
    let summary = match returns.len() {
        0 => summary,
        1 => format!("{summary}; 1 home school told"),
        n => format!("{summary}; {n} home schools told"),
    };
    Ok(ScheduledJob {
        kind: JobKind::RegisterClose,
        school: school.id,
        key,
        runner: runner.to_owned(),
        at,
        summary,
        messages,
        entries,
        returns,
    })
}

/// Who the register-close text goes to: seed 000 texts "all absent learners' families" and
/// logs it (appendix 2), so every contact with parental responsibility who has a telephone;
/// failing that, the first contact in priority order who has one.
fn parents(contacts: &[ContactRecord]) -> Vec<&ContactRecord> {
    let with_phone = || contacts.iter().filter(|c| !c.contact.phones.is_empty());
    let parents: Vec<_> = with_phone()
        .filter(|c| c.contact.parental_responsibility)
        .collect();
    if parents.is_empty() {
        with_phone().take(1).collect()
    } else {
        parents
    }
}
