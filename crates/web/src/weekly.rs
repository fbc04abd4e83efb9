//! The weekly attendance summary (seed 001 §"Monitoring": attendance analysed weekly): on the
//! school's day (Friday unless its policy names another), once that day's afternoon register
//! has closed, the week's figures are emailed through the outbox to the addresses the policy
//! names, once however many processes run. A week the school is closed on that day has none.

use jiff::Zoned;
use rollcall_analytics::summary::{Reports, weekly};
use rollcall_analytics::{Cut, National, Period};
use rollcall_core::{Policy, Session, SessionKey};
use rollcall_store::analytics::SchoolData;
use rollcall_store::{Channel, JobKind, NewMessage, ScheduledJob, SchoolRecord};

use crate::AppState;
use crate::error::AppError;

/// The scheduler's step: sends the week's summary when it is due and has not gone.
pub(crate) async fn run_due(
    state: &AppState,
    school: &SchoolRecord,
    policy: &Policy,
    now: &Zoned,
    runner: &str,
) -> Result<Option<ScheduledJob>, AppError> {
    let Some(setting) = &policy.weekly_summary else {
        return Ok(None);
    };
    let today = now.date();
    let closed = today.to_datetime(policy.pm.register_closes);
    if today.weekday() != setting.day
        || !policy.calendar.is_school_day(today)
        || now.datetime() < closed
    {
        return Ok(None);
    }
    let done = state.store.jobs(school.id, today).await?;
    if done.iter().any(|j| j.kind == JobKind::WeeklySummary.id()) {
        return Ok(None);
    }
    let data = SchoolData::load(state.store.as_ref(), school.id).await?;
    let report = |cut, period| data.cohort_report(&policy.calendar, cut, period, today);
    let (week, year, classes) = (
        report(Cut::All, Period::Week),
        report(Cut::All, Period::YearToDate),
        report(Cut::RegGroup, Period::Week),
    );
    let national = National::published().map_err(AppError::Internal)?;
    let link = format!(
        "{}/s/{}/analytics?period=week",
        state.config.public_url.trim_end_matches('/'),
        school.id.0
    );
    let text = weekly(
        &school.name,
        &Reports {
            week: &week,
            year: &year,
            classes: &classes,
        },
        &national,
        policy.school.phase,
        &link,
    );
    let messages = setting
        .to
        .iter()
        .map(|to| NewMessage {
            pupil: None,
            contact: None,
            channel: Channel::Email,
            recipient: to.clone(),
            subject: Some(text.subject.clone()),
            body: text.body.clone(),
            withheld: None,
        })
        .collect();
    let job = ScheduledJob {
        kind: JobKind::WeeklySummary,
        school: school.id,
        key: SessionKey {
            date: today,
            session: Session::Pm,
        },
        runner: runner.to_owned(),
        at: state.clock.now(),
        summary: format!("The week's attendance emailed to {}", setting.to.join(", ")),
        messages,
        entries: Vec::new(),
        returns: Vec::new(),
    };
    Ok(state.store.run_job(&job).await?.then_some(job))
}
