//! The daily attendance data for the DfE: made by the scheduler once the day's last register
//! has closed, checked for completeness first, and made again while registers are missing.

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use rollcall_core::{Policy, Session};
use rollcall_returns::daily::{DailyPupil, daily, to_csv};
use rollcall_store::{DailyData, SchoolRecord};

use crate::AppState;
use crate::error::AppError;

/// While a day's data waits for registers, the scheduler tries again this often.
const RETRY: SignedDuration = SignedDuration::from_mins(10);

/// Makes a day's data for a school and keeps it.
pub(crate) async fn make(
    state: &AppState,
    school: &SchoolRecord,
    policy: &Policy,
    date: Date,
) -> Result<DailyData, AppError> {
    let register = state.store.load_register(school.id).await?;
    let pupils = state.store.pupils(school.id).await?;
    let flags = state.store.school_flags(school.id).await?;
    let held: Vec<(usize, Vec<rollcall_core::Flag>)> = pupils
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let on = flags
                .iter()
                .filter(|f| f.pupil == p.key && f.applies_on(date))
                .map(|f| f.flag)
                .collect();
            (i, on)
        })
        .collect();
    let facts: Vec<DailyPupil<'_>> = held
        .iter()
        .filter_map(|(i, flags)| {
            pupils.get(*i).map(|p| DailyPupil {
                pupil: &p.pupil,
                flags,
            })
        })
        .collect();
    let urn = school
        .urn
        .or(policy.school.urn)
        .map(|u| u.to_string())
        .unwrap_or_default();
    let la = school
        .la_estab
        .or(policy.school.la_estab)
        .map(|l| format!("{:03}", l.la()))
        .unwrap_or_default();
    let day = daily(&register, &policy.calendar, date, (&urn, &la), &facts);
    let missing: Vec<String> = day
        .missing
        .iter()
        .map(|(upn, session)| {
            let name = pupils
                .iter()
                .find(|p| p.pupil.upn == *upn)
                .map(|p| format!("{} ({})", p.pupil.name(), p.pupil.reg_group))
                .unwrap_or_else(|| upn.to_string());
            format!("{name} {session}")
        })
        .collect();
    let data = DailyData {
        school: school.id,
        date,
        complete: day.complete(),
        missing: missing.join("; "),
        content: to_csv(&day).map_err(|e| AppError::Internal(e.to_string()))?,
        made_at: state.clock.now(),
    };
    state.store.save_daily(&data).await?;
    Ok(data)
}

/// The scheduler's step: once today's afternoon register has closed, today's data is made,
/// unless it is complete already or was tried within [`RETRY`].
pub(crate) async fn run_due(
    state: &AppState,
    school: &SchoolRecord,
    policy: &Policy,
    now: &jiff::Zoned,
) -> Result<Option<DailyData>, AppError> {
    let today = now.date();
    let closed = today.to_datetime(policy.times(Session::Pm).register_closes);
    if !policy.calendar.is_school_day(today) || now.datetime() < closed {
        return Ok(None);
    }
    let held = state.store.daily_data(school.id, today).await?;
    let fresh = |at: Timestamp| state.clock.now().duration_since(at) < RETRY;
    if held
        .as_ref()
        .is_some_and(|d| d.complete || fresh(d.made_at))
    {
        return Ok(None);
    }
    make(state, school, policy, today).await.map(Some)
}
