//! The weekly attendance summary emailed to the headteacher (seed 001 §"Monitoring": attendance
//! analysed weekly): the week's and the year's figures against the same dates last year and
//! England, and the registration groups lowest first. Every figure is the Analysis page's.

use std::fmt::Write as _;

use rollcall_core::text::human_date;
use rollcall_core::{Phase, Rate};

use crate::{CohortReport, Measure, National, gap, points};

/// An email's subject and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The subject line.
    pub subject: String,
    /// The text.
    pub body: String,
}

/// What the summary is made from: the week and the year so far for all pupils, and the week
/// by registration group.
pub struct Reports<'a> {
    /// The week, all pupils.
    pub week: &'a CohortReport,
    /// The year so far, all pupils.
    pub year: &'a CohortReport,
    /// The week, by registration group.
    pub classes: &'a CohortReport,
}

fn pct(rate: Option<Rate>) -> String {
    rate.map_or_else(|| "none".to_owned(), |r| format!("{r}%"))
}

/// A line for one period: attendance against the same dates last year, and absence.
fn period_line(title: &str, report: &CohortReport) -> String {
    let now = &report.all.now;
    let attendance = now.tally.attendance_rate();
    let before = report
        .all
        .last_year
        .as_ref()
        .and_then(|l| l.tally.attendance_rate());
    let against = match (before, gap(attendance, before)) {
        (Some(b), Some(change)) => {
            format!(
                " (the same dates last year {b}%, {} points)",
                points(change)
            )
        }
        _ => " (no figures for the same dates last year)".to_owned(),
    };
    format!(
        "{title}, {} to {}: attendance {}{against}; authorised absence {}, unauthorised {}; \
         persistently absent {} of the {} pupils with sessions ({}), severely absent {} ({}).",
        human_date(&report.range.first),
        human_date(&report.range.last),
        pct(attendance),
        pct(now.tally.authorised_rate()),
        pct(now.tally.unauthorised_rate()),
        now.persistent,
        now.pupils_with_possible,
        pct(now.persistent_rate()),
        now.severe,
        pct(now.severe_rate()),
    )
}

/// The summary of a school's week. `link` is the Analysis page for the week.
pub fn weekly(
    school: &str,
    reports: &Reports<'_>,
    national: &National,
    phase: Option<Phase>,
    link: &str,
) -> Summary {
    let week = reports.week;
    let subject = format!(
        "Attendance at {school}: week beginning {}, {}",
        human_date(&week.range.first),
        pct(week.all.now.tally.attendance_rate())
    );
    let mut body = format!("{}\n\n", period_line("This week", week));
    let _ = writeln!(body, "{}\n", period_line("This year so far", reports.year));
    let figure = |m: Measure| national.figure(m, phase);
    if let Some(absence) = figure(Measure::OverallAbsence) {
        let persistent = figure(Measure::PersistentAbsence)
            .map_or("not published".to_owned(), |f| format!("{}%", f.percent()));
        let _ = writeln!(
            body,
            "England ({}, {}): attendance {}%, persistent absence {persistent}. Source: {}, {}.\n",
            absence.phase,
            absence.release.period,
            absence.attendance().percent(),
            absence.release.title,
            absence.release.url,
        );
    }
    let mut classes: Vec<_> = reports
        .classes
        .rows
        .iter()
        .filter(|r| r.now.tally.possible > 0)
        .collect();
    classes.sort_by_key(|r| r.now.tally.attendance_rate().map(Rate::hundredths));
    if !classes.is_empty() {
        let listed: Vec<String> = classes
            .iter()
            .map(|r| format!("{} {}", r.cohort, pct(r.now.tally.attendance_rate())))
            .collect();
        let _ = writeln!(
            body,
            "Registration groups this week, lowest first: {}.\n",
            listed.join(", ")
        );
    }
    let _ = write!(
        body,
        "How each figure is computed, and the pupils behind it: {link}"
    );
    Summary { subject, body }
}
