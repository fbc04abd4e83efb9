//! Policy files: one school's settings in TOML (documented in `docs/formats.md`).
//!
//! Read in two stages: the TOML into raw structures that keep each value's position, then into
//! the validated [`Policy`], so that every problem names the line and key it is on.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::Path;

use jiff::civil::{Date, Time, Weekday};
use rollcall_core::text::looks_like_email;
use rollcall_core::{
    Calendar, Closure, DateRange, LaEstab, Phase, Policy, School, Session, SessionTimes, Sessions,
    Target, Term, Urn, WeeklySummary,
};
use serde::Deserialize;
use toml::Spanned;

use crate::error::FileError;
use crate::procedures::RawProcedures;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    school: RawSchool,
    sessions: RawSessions,
    #[serde(default)]
    attendance: RawAttendance,
    calendar: RawCalendar,
    procedures: Option<Spanned<RawProcedures>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchool {
    name: Spanned<String>,
    urn: Option<Spanned<String>>,
    la_estab: Option<Spanned<String>>,
    phone: Option<String>,
    phase: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSessions {
    am: Spanned<RawTimes>,
    pm: Spanned<RawTimes>,
    teacher_correction_minutes: Option<Spanned<u16>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTimes {
    register_opens: Spanned<TimeValue>,
    late_after: Option<Spanned<TimeValue>>,
    register_closes: Spanned<TimeValue>,
    session_ends: Spanned<TimeValue>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAttendance {
    target: Option<Spanned<f64>>,
    learning_hours_per_day: Option<Spanned<u32>>,
    small_cohort: Option<Spanned<u64>>,
    weekly_summary_to: Option<Spanned<Vec<String>>>,
    weekly_summary_day: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    terms: Vec<RawTerm>,
    #[serde(default)]
    closures: Vec<RawClosure>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerm {
    name: Spanned<String>,
    first_day: Spanned<DateValue>,
    last_day: Spanned<DateValue>,
    half_term: Option<RawRange>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
    first_day: Spanned<DateValue>,
    last_day: Spanned<DateValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClosure {
    date: Spanned<DateValue>,
    reason: String,
    sessions: Option<Spanned<String>>,
}

/// A date written as a TOML date (`2025-09-01`) or a string (`"2025-09-01"`).
#[derive(Deserialize)]
#[serde(untagged, expecting = "a date such as 2025-09-01")]
enum DateValue {
    Native(toml::value::Datetime),
    Text(String),
}

/// A time written as a TOML time (`08:30`) or a string (`"08:30"`).
#[derive(Deserialize)]
#[serde(untagged, expecting = "a time such as 08:30")]
pub(crate) enum TimeValue {
    Native(toml::value::Datetime),
    Text(String),
}

/// Reads and validates a policy file.
pub fn read_policy(path: &Path) -> Result<Policy, FileError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| FileError::file(path, format!("cannot read: {e}")))?;
    parse_policy(path, &text)
}

/// Validates policy text; `path` is only for messages.
pub fn parse_policy(path: &Path, text: &str) -> Result<Policy, FileError> {
    let at = |span: Range<usize>, field: &str, reason: String| {
        let line = text
            .get(..span.start)
            .map_or(0, |before| before.matches('\n').count())
            + 1;
        FileError::at(path, line as u64, Some(field), reason)
    };
    let raw: RawPolicy = toml::from_str(text)
        .map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            at(span, "", e.message().to_owned())
        })
        .map_err(|mut e| {
            e.field = None;
            e
        })?;

    let school = School {
        name: raw.school.name.get_ref().clone(),
        urn: raw
            .school
            .urn
            .map(|u| Urn::parse(u.get_ref()).map_err(|e| at(u.span(), "school.urn", e.to_string())))
            .transpose()?,
        la_estab: raw
            .school
            .la_estab
            .map(|l| {
                LaEstab::parse(l.get_ref())
                    .map_err(|e| at(l.span(), "school.la_estab", e.to_string()))
            })
            .transpose()?,
        phone: raw.school.phone.clone(),
        phase: raw
            .school
            .phase
            .as_ref()
            .map(|p| {
                Phase::parse(p.get_ref()).ok_or_else(|| {
                    at(
                        p.span(),
                        "school.phase",
                        "the phase is primary, secondary, special or alternative_provision".into(),
                    )
                })
            })
            .transpose()?,
    };

    let times = |session: Session, raw: &Spanned<RawTimes>| -> Result<SessionTimes, FileError> {
        let name = format!("sessions.{}", session.as_str().to_ascii_lowercase());
        let get = |value: &Spanned<TimeValue>, key: &str| {
            time_of(value.get_ref()).map_err(|e| at(value.span(), &format!("{name}.{key}"), e))
        };
        let t = raw.get_ref();
        SessionTimes::new(
            session,
            get(&t.register_opens, "register_opens")?,
            t.late_after
                .as_ref()
                .map(|v| get(v, "late_after"))
                .transpose()?,
            get(&t.register_closes, "register_closes")?,
            get(&t.session_ends, "session_ends")?,
        )
        .map_err(|e| {
            at(
                t.register_closes.span(),
                &format!("{name}.register_closes"),
                e.to_string(),
            )
        })
    };
    let am = times(Session::Am, &raw.sessions.am)?;
    let pm = times(Session::Pm, &raw.sessions.pm)?;

    let attendance_target = raw
        .attendance
        .target
        .as_ref()
        .map(|t| {
            let fail = |found: String| {
                at(
                    t.span(),
                    "attendance.target",
                    format!("an attendance target is a percentage from 0 to 100; found {found}"),
                )
            };
            let hundredths = hundredths(*t.get_ref()).map_err(fail)?;
            Target::from_hundredths(hundredths).map_err(|_| fail(t.get_ref().to_string()))
        })
        .transpose()?;

    let date = |value: &Spanned<DateValue>, field: &str| {
        date_of(value.get_ref()).map_err(|e| at(value.span(), field, e))
    };
    let mut terms = Vec::new();
    let mut term_spans = Vec::new();
    for (i, term) in raw.calendar.terms.iter().enumerate() {
        let field = |key: &str| format!("calendar.terms[{i}].{key}");
        terms.push(Term {
            name: term.name.get_ref().clone(),
            dates: DateRange {
                first: date(&term.first_day, &field("first_day"))?,
                last: date(&term.last_day, &field("last_day"))?,
            },
            half_term_break: term
                .half_term
                .as_ref()
                .map(|h| -> Result<DateRange, FileError> {
                    Ok(DateRange {
                        first: date(&h.first_day, &field("half_term.first_day"))?,
                        last: date(&h.last_day, &field("half_term.last_day"))?,
                    })
                })
                .transpose()?,
        });
        term_spans.push(term.first_day.span());
    }
    let mut closures = Vec::new();
    for (i, closure) in raw.calendar.closures.iter().enumerate() {
        let field = |key: &str| format!("calendar.closures[{i}].{key}");
        let sessions = match closure.sessions.as_ref() {
            None => Sessions::Both,
            Some(s) => match s.get_ref().to_ascii_lowercase().as_str() {
                "am" => Sessions::Am,
                "pm" => Sessions::Pm,
                "both" => Sessions::Both,
                other => {
                    return Err(at(
                        s.span(),
                        &field("sessions"),
                        format!("sessions is am, pm or both; found {other:?}"),
                    ));
                }
            },
        };
        closures.push(Closure {
            date: date(&closure.date, &field("date"))?,
            sessions,
            reason: closure.reason.clone(),
        });
    }
    let calendar = Calendar::from_terms(terms, closures).map_err(|e| {
        use rollcall_core::calendar::CalendarError as E;
        let span = match &e {
            E::Backwards { term, .. }
            | E::Overlap { term, .. }
            | E::BreakOutsideTerm { term, .. } => raw
                .calendar
                .terms
                .iter()
                .zip(&term_spans)
                .find(|(t, _)| t.name.get_ref() == term)
                .map(|(_, span)| span.clone()),
            E::ClosureNotSchoolDay { date: d, .. } => raw
                .calendar
                .closures
                .iter()
                .find(|c| date_of(c.date.get_ref()).ok() == Some(*d))
                .map(|c| c.date.span()),
            E::NoTerms => None,
        };
        at(span.unwrap_or(0..0), "calendar", e.to_string())
    })?;
    let mut policy = Policy::new(school, am, pm, attendance_target, calendar)
        .map_err(|e| at(raw.sessions.pm.span(), "sessions", e.to_string()))?;
    if let Some(hours) = &raw.attendance.learning_hours_per_day {
        if !(1..=10).contains(hours.get_ref()) {
            return Err(at(
                hours.span(),
                "attendance.learning_hours_per_day",
                format!(
                    "hours of learning a day run from 1 to 10; found {}",
                    hours.get_ref()
                ),
            ));
        }
        policy.learning_hours_per_day = *hours.get_ref();
    }
    if let Some(small) = &raw.attendance.small_cohort {
        if !(1..=50).contains(small.get_ref()) {
            return Err(at(
                small.span(),
                "attendance.small_cohort",
                format!(
                    "cohorts are suppressed below 1 to 50 pupils; found {}",
                    small.get_ref()
                ),
            ));
        }
        policy.small_cohort = *small.get_ref();
    }
    policy.weekly_summary = weekly_summary(&raw.attendance, at)?;
    if let Some(minutes) = &raw.sessions.teacher_correction_minutes {
        if *minutes.get_ref() > 240 {
            return Err(at(
                minutes.span(),
                "sessions.teacher_correction_minutes",
                format!(
                    "a teacher corrects a register within at most 240 minutes of its close; found {}",
                    minutes.get_ref()
                ),
            ));
        }
        policy.teacher_correction_minutes = *minutes.get_ref();
    }
    if let Some(procedures) = raw.procedures {
        let span = procedures.span();
        policy.procedures = procedures.into_inner().validate(span, &at)?;
    }
    Ok(policy)
}

/// A percentage in hundredths (96.5 is 9650), or the value as written when it is not 0–100.
pub(crate) fn hundredths(percent: f64) -> Result<u16, String> {
    let hundredths = (percent * 100.0).round();
    if !(0.0..=10_000.0).contains(&hundredths) {
        return Err(percent.to_string());
    }
    // In range 0..=10_000, so the conversion is exact.
    Ok(hundredths as u16)
}

fn date_of(value: &DateValue) -> Result<Date, String> {
    let text = match value {
        DateValue::Native(d) => d.to_string(),
        DateValue::Text(t) => t.clone(),
    };
    crate::fields::parse_date(&text)
}

pub(crate) fn time_of(value: &TimeValue) -> Result<Time, String> {
    let text = match value {
        TimeValue::Native(t) => t.to_string(),
        TimeValue::Text(t) => t.clone(),
    };
    let fail = || format!("{text:?} is not a time such as 08:30");
    let (hours, minutes) = text.split_once(':').ok_or_else(fail)?;
    let minutes = minutes.strip_suffix(":00").unwrap_or(minutes);
    let hours: i8 = hours.parse().map_err(|_| fail())?;
    let minutes: i8 = minutes.parse().map_err(|_| fail())?;
    Time::new(hours, minutes, 0, 0).map_err(|_| fail())
}

/// The weekdays a summary may go on, as the policy names them.
const WEEKDAYS: [(&str, Weekday); 5] = [
    ("monday", Weekday::Monday),
    ("tuesday", Weekday::Tuesday),
    ("wednesday", Weekday::Wednesday),
    ("thursday", Weekday::Thursday),
    ("friday", Weekday::Friday),
];

/// The weekly summary's addresses and day: Friday unless another school day is named.
fn weekly_summary(
    raw: &RawAttendance,
    at: impl Fn(Range<usize>, &str, String) -> FileError,
) -> Result<Option<WeeklySummary>, FileError> {
    let day = match &raw.weekly_summary_day {
        None => Weekday::Friday,
        Some(day) => WEEKDAYS
            .iter()
            .find(|(name, _)| *name == day.get_ref().as_str())
            .map(|(_, d)| *d)
            .ok_or_else(|| {
                at(
                    day.span(),
                    "attendance.weekly_summary_day",
                    format!(
                        "the summary goes on a weekday, monday to friday; found {:?}",
                        day.get_ref()
                    ),
                )
            })?,
    };
    let Some(to) = &raw.weekly_summary_to else {
        return Ok(None);
    };
    if let Some(bad) = to.get_ref().iter().find(|a| !looks_like_email(a)) {
        return Err(at(
            to.span(),
            "attendance.weekly_summary_to",
            format!("{bad:?} is not an email address"),
        ));
    }
    Ok(Some(WeeklySummary {
        to: to.get_ref().clone(),
        day,
    }))
}

/// The policy as TOML, in the layout `read_policy` reads.
pub fn policy_to_toml(policy: &Policy) -> String {
    let mut out = String::new();
    let quote = |s: &str| toml::Value::String(s.to_owned()).to_string();
    let _ = writeln!(out, "[school]\nname = {}", quote(&policy.school.name));
    if let Some(urn) = policy.school.urn {
        let _ = writeln!(out, "urn = \"{urn}\"");
    }
    if let Some(la_estab) = policy.school.la_estab {
        let _ = writeln!(out, "la_estab = \"{la_estab}\"");
    }
    if let Some(phone) = &policy.school.phone {
        let _ = writeln!(out, "phone = {}", quote(phone));
    }
    if let Some(phase) = policy.school.phase {
        let _ = writeln!(out, "phase = \"{}\"", phase.id());
    }
    let hm = |t: Time| format!("{:02}:{:02}", t.hour(), t.minute());
    if policy.teacher_correction_minutes > 0 {
        let _ = writeln!(
            out,
            "\n[sessions]\nteacher_correction_minutes = {}",
            policy.teacher_correction_minutes
        );
    }
    for (name, t) in [("am", &policy.am), ("pm", &policy.pm)] {
        let _ = writeln!(out, "\n[sessions.{name}]");
        let _ = writeln!(out, "register_opens = {}", hm(t.register_opens));
        if t.late_after != t.register_opens {
            let _ = writeln!(out, "late_after = {}", hm(t.late_after));
        }
        let _ = writeln!(out, "register_closes = {}", hm(t.register_closes));
        let _ = writeln!(out, "session_ends = {}", hm(t.session_ends));
    }
    let _ = writeln!(
        out,
        "\n[attendance]\nlearning_hours_per_day = {}\nsmall_cohort = {}",
        policy.learning_hours_per_day, policy.small_cohort
    );
    if let Some(summary) = &policy.weekly_summary {
        let to: Vec<String> = summary.to.iter().map(|a| quote(a)).collect();
        let day = WEEKDAYS
            .iter()
            .find(|(_, d)| *d == summary.day)
            .map_or("friday", |(name, _)| name);
        let _ = writeln!(
            out,
            "weekly_summary_to = [{}]\nweekly_summary_day = \"{day}\"",
            to.join(", ")
        );
    }
    if let Some(target) = policy.attendance_target {
        let h = target.hundredths();
        let _ = writeln!(out, "target = {}.{:02}", h / 100, h % 100);
    }
    for term in policy.calendar.terms() {
        let _ = writeln!(out, "\n[[calendar.terms]]\nname = {}", quote(&term.name));
        let _ = writeln!(
            out,
            "first_day = {}\nlast_day = {}",
            term.dates.first, term.dates.last
        );
        if let Some(gap) = term.half_term_break {
            let _ = writeln!(
                out,
                "half_term = {{ first_day = {}, last_day = {} }}",
                gap.first, gap.last
            );
        }
    }
    for closure in policy.calendar.closures() {
        let _ = writeln!(out, "\n[[calendar.closures]]\ndate = {}", closure.date);
        let _ = writeln!(out, "reason = {}", quote(&closure.reason));
        match closure.sessions {
            Sessions::Am => out.push_str("sessions = \"am\"\n"),
            Sessions::Pm => out.push_str("sessions = \"pm\"\n"),
            Sessions::Both => {}
        }
    }
    out
}

/// Writes a policy file.
pub fn write_policy(path: &Path, policy: &Policy) -> Result<(), FileError> {
    std::fs::write(path, policy_to_toml(policy))
        .map_err(|e| FileError::file(path, format!("cannot write: {e}")))
}

#[cfg(test)]
mod tests;
