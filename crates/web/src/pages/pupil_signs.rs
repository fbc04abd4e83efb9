//! What a pupil's page says about where their attendance is heading: the date they would be
//! persistently absent at their recent rate, and the signs in their marks (spells, days of the
//! week, holidays, this half term against the last), each with how it was found.

use jiff::civil::Date;
use rollcall_analytics::signs::{
    AROUND_HOLIDAYS, HOLIDAY_GAP_DAYS, REPEATED_DAYS, REPEATED_FACTOR, SPELL_SESSIONS,
    WORSENING_HUNDREDTHS,
};
use rollcall_analytics::{Period, Signs, points, projected_persistent, signs};
use rollcall_core::stats::pupil_tally;
use rollcall_core::text::{human_date, weekday_name};
use rollcall_core::{Calendar, PupilId, Register};

use crate::view::percent;

/// The page's lines.
pub(crate) struct PupilSigns {
    /// When, at their recent rate, they would become persistently absent.
    pub(crate) trajectory: Option<String>,
    /// Each sign found, as a sentence.
    pub(crate) found: Vec<String>,
    /// How each sign is found.
    pub(crate) rules: [String; 4],
}

/// The rules, as the page explains them.
fn rules() -> [String; 4] {
    [
        format!(
            "A spell: {SPELL_SESSIONS} or more possible sessions missed in a row, across weekends and holidays, until a session is attended."
        ),
        format!(
            "A Monday or Friday pattern: some of that day missed on {REPEATED_DAYS} or more of them this year, and {REPEATED_FACTOR} times as often as other days."
        ),
        format!(
            "Next to a holiday: a school day with no school day within {HOLIDAY_GAP_DAYS} days before or after it; a pattern from {AROUND_HOLIDAYS} such days with absence."
        ),
        format!(
            "Falling: attendance this half term {} points or more below last half term's.",
            points(WORSENING_HUNDREDTHS).trim_start_matches('+')
        ),
    ]
}

/// The sentences for what was found.
pub(crate) fn sentences(found: &Signs) -> Vec<String> {
    let mut lines = Vec::new();
    if !found.spells.is_empty() {
        let spells: Vec<String> = found
            .spells
            .iter()
            .map(|s| {
                let (first, last) = (s.first.key(), s.last.key());
                match first.date == last.date {
                    true => format!("{} ({} sessions)", human_date(&first.date), s.sessions),
                    false => format!(
                        "{} to {} ({} sessions)",
                        human_date(&first.date),
                        human_date(&last.date),
                        s.sessions
                    ),
                }
            })
            .collect();
        lines.push(format!("Spells of absence: {}.", spells.join("; ")));
    }
    for day in &found.repeated {
        if let Some(d) = found.days.iter().find(|d| d.weekday == *day) {
            lines.push(format!(
                "{}s: some of the day missed on {} of {} this year, more often than other days.",
                weekday_name(*day),
                d.missed,
                d.days
            ));
        }
    }
    if found.holiday_pattern() {
        let days: Vec<String> = found.around_holidays.iter().map(human_date).collect();
        lines.push(format!("Absent next to holidays: {}.", days.join(", ")));
    }
    if found.worsening()
        && let (Some(change), Some(last)) = (found.change(), found.last_half)
    {
        lines.push(format!(
            "Falling: {} this half term against {} last half term ({} points).",
            percent(found.this_half.attendance_rate()),
            percent(last.attendance_rate()),
            points(change)
        ));
    }
    lines
}

/// The signs in a few words, for a list of pupils: "spell, Mondays, holidays, falling".
pub(crate) fn in_brief(found: &Signs) -> String {
    let mut words: Vec<String> = Vec::new();
    if let Some(longest) = found.spells.iter().map(|s| s.sessions).max() {
        words.push(format!("a spell of {longest} sessions"));
    }
    words.extend(
        found
            .repeated
            .iter()
            .map(|d| format!("{}s", weekday_name(*d))),
    );
    if found.holiday_pattern() {
        words.push("next to holidays".to_owned());
    }
    if found.worsening() {
        words.push("falling this half term".to_owned());
    }
    words.join(", ")
}

/// The signs for the one pupil of `register` (a one-pupil register) up to `today`.
pub(crate) fn pupil_signs(
    register: &Register,
    calendar: &Calendar,
    known_as: &str,
    today: Date,
) -> PupilSigns {
    let id = PupilId(0);
    let year = pupil_tally(register, id, Period::YearToDate.range(calendar, today));
    let recent = pupil_tally(register, id, Period::FourWeeks.range(calendar, today));
    let trajectory = projected_persistent(calendar, &year, &recent, today).map(|on| {
        format!(
            "At {known_as}'s attendance over the last four weeks ({}), they would be persistently absent (90% or less this year) from {}.",
            percent(recent.attendance_rate()),
            human_date(&on)
        )
    });
    PupilSigns {
        trajectory,
        found: sentences(&signs(register, calendar, id, today)),
        rules: rules(),
    }
}
